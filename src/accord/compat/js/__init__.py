"""JSON Schema side of the engine: normalisation, inclusion, witnesses, change reports."""
