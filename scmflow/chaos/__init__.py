"""The fault-injection checker behind `make chaos`: kill, restart, heal, verify."""
