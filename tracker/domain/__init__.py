"""Pure domain: enums, value objects and rules. No I/O."""
