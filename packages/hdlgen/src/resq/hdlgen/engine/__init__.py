"""The engine architecture (docs/engine.md): its program and the interpreter of it."""
