"""financial-advisor: the advice corpus, guardrails, the Vertex AI tuning dataset and
(offline) retrieval answers. One home for each rule the advisor follows."""
