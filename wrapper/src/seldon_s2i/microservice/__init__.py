"""The ``seldon-microservice`` command: settings, start-up checks and the serving processes."""

# Exit status of the command (and of a serving process) that stopped with requests it could not answer in
# its grace period (--graceful-timeout), so that the platform and the logs tell a lossy stop from a clean one.
DROPPED_WORK_STATUS = 3
