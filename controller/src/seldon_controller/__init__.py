"""seldon_controller: SeldonDeployments reconciled into Deployments, Services, Routes and autoscalers.

The control plane of seldon-s2i. It reads SeldonDeployments with the shared graph spec (``seldon_graph``), renders
the objects Seldon Core's operator would make (``render.py`` and the modules it uses), applies them with
server-side apply (``reconciler.py``), follows ImageStreams so a build rolls the graph forward (``images.py``),
and runs as a leader-elected, observable process (``runner.py``, ``cli.py``). It never imports the serving stack.
"""
