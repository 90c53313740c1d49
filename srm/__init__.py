"""SRM: sourcing, supplier portal and scorecards."""
