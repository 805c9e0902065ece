"""The ``seldon-microservice`` command: settings, start-up checks and the serving processes."""
