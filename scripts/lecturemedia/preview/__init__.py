"""Preview: `make watch` (sources watched, make run, pages served and reloaded)."""
