"""Package data: mapped into the installed package as `service.web` (pyproject.toml); read by service.resources."""
