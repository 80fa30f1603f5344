"""scmflow command line, settings, local services and operator commands."""
