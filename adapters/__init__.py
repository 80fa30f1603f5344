"""Source adapters: they read partner documents and publish each one unchanged to a raw topic."""
