"""OpenShift integration: template processing with OpenShift's own rules.

``templates`` renders a ``template.openshift.io/v1`` Template the way ``oc process``
does, ``expressions`` generates parameter values (``generate: expression``), and
``seldon_s2i.cli.template`` exposes both as ``seldon-s2i template process``.
"""
