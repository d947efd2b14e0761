"""Asset checks, beside the assets they check."""
