"""``seldon-s2i run``: a SeldonDeployment's predictor run locally, every component and the orchestrator."""
