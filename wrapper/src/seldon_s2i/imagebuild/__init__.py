"""Image builds as s2i and OpenShift's Source strategy do them, without s2i or a daemon.

Modules: ``source`` (fetch sources, read settings), ``ignore`` (.s2iignore),
``dockerfile`` (the Dockerfile s2i/OpenShift would write), ``engine`` (buildah
or podman), ``requirements`` (the rules for a model's requirements.txt). The
command line is ``seldon_s2i.cli.build``.
"""
