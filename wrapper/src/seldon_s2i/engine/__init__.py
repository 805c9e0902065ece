"""``seldon-engine``: the graph orchestrator, Seldon Core v1's executor for seldon-s2i.

A request enters on Seldon's external API, walks the predictor's graph across its nodes'
REST or gRPC endpoints (:mod:`seldon_s2i.engine.walk`), and the answer comes back. The
engine is a :class:`~seldon_s2i.handler.Handler` served by the wrapper's own REST and
gRPC transports.

Environment contract (what a controller sets on the engine's container; flags win):

==============================  ==============================================================
``ENGINE_PREDICTOR``            base64 of the predictor's JSON (SeldonDeployment
                                ``spec.predictors[i]``), every graph node with an ``endpoint``:
                                ``service_host`` and ``httpPort`` and/or ``grpcPort`` (or
                                ``service_port`` with ``type``). Or ``--file F --predictor P``.
``SELDON_DEPLOYMENT_ID``        the SeldonDeployment's name (metrics label ``deployment_name``).
``ENGINE_SERVER_PORT``          REST port, default 8000 (``--http-port``).
``ENGINE_SERVER_GRPC_PORT``     gRPC port, default 5001 (``--grpc-port``).
``ENGINE_SERVER_HOST``          address to listen on, default 0.0.0.0 (``--host``).
``ENGINE_THREADS``              REST threads, default 16; ``ENGINE_GRPC_THREADS`` likewise.
``ENGINE_NODE_TIMEOUT``         seconds a node call may take, default 60 (``--node-timeout``);
                                the predictor's or deployment's annotations
                                ``seldon.io/rest-timeout`` / ``seldon.io/grpc-timeout`` (ms) win.
``SELDON_MAX_MESSAGE_SIZE``     largest request body / gRPC message (bytes or 10Mi), else the
                                ``seldon.io/grpc-max-message-size`` annotation, else 100Mi.
``ENGINE_SHADOW_ENDPOINTS``     comma-separated ``http://`` base URLs of shadow predictors'
                                engines: each prediction is mirrored there, answers ignored.
``POD_NAMESPACE``               the namespace named in payload-log events (``Ce-Namespace``).
``SELDON_LOG_LEVEL``            log level, default INFO (``--log-level``).
==============================  ==============================================================

``REQUEST_LOGGER_DEFAULT_ENDPOINT`` is where graph nodes with a ``logger`` but no ``url`` send their
payloads (:mod:`~seldon_s2i.engine.payload_log`), default ``http://default-broker``.

Which transport a node is called over: the one the request came in on, when the node
has a port for it (as Seldon's executor: REST in, REST to every node's ``httpPort``;
gRPC in, gRPC to ``grpcPort``); otherwise the one it has (a gRPC-only node inside a
REST graph). Served: REST ``/api/v1.0/predictions``, ``/api/v1.0/feedback`` (and v0.1),
``/api/v1.0/metadata`` (graph) and ``/api/v1.0/metadata/<node>``, ``/ready`` (every node's
port takes a connection), ``/live``, ``/metrics`` and ``/prometheus``; gRPC
``seldon.protos.Seldon`` Predict, SendFeedback and GraphMetadata, gRPC health and
reflection. A graph the engine cannot walk is refused at start (exit status 2) with one
line per problem naming the node.
"""
