# keeper-sandbox (filled in by the sandbox step)
