"""figcheck's rule modules, one per family. Shipped as the package figcheck.checks."""
