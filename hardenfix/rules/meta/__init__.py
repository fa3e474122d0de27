"""Rules about hardenfix itself (HF0xx), run by the engine on every file kind."""
