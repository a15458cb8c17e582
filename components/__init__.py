"""KFP components: one @dsl.component per file, each a thin wrapper over nivesh.training.steps.

They run in the component image (nivesh.cluster.images.COMPONENT_IMAGE), which has nivesh
and kfp installed, hence install_kfp_package=False: no pip at run time, and the
same code runs offline under kfp.local's SubprocessRunner.
"""
