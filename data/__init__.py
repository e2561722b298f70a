"""Package data: mapped into the installed package as `service.data` (pyproject.toml); read by service.resources."""
