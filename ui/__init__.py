"""Qt user interface. Calls services; never touches the database directly."""
