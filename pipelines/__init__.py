"""KFP pipelines: wiring only. `nivesh pipeline compile` writes pipelines/compiled/."""
