# keeper-secret CLI (filled in by the CLI step)
