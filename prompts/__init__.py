"""Package data: mapped into the installed package as `service.prompts` (pyproject.toml); read by service.resources."""
