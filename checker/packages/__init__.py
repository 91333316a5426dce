"""Package-aware facts and verdicts: who shipped a file, and what Lambda actually loads.

Pure functions over ArtifactFacts (no I/O): `tree` joins the function and its layers into one
filesystem of absolute paths; `owners` blames each path on the distribution that shipped it;
`reachability` judges which binaries of multi-platform layouts Lambda would load;
`python_meta`, `python_imports`, `node_abi` and `node_handler` check what the runtime's own
interpreter would refuse; `fixes` words one fix per package in its ecosystem's terms.
`wanted_text` names the members whose contents these modules need the scanner to keep.
"""
