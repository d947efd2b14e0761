"""Social intelligence: analyze, mentions, marts, monitors and crisis alerts."""
