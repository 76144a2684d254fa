"""The simulated ideal agents that ``sim/`` models play, apart from the environments.

A scenario (:mod:`swarmnb.scenarios`) is the environment: goal, tools, decomposition, grader.
Its ideal worker lives here, one module per scenario (:mod:`.wide`, :mod:`.deep`,
:mod:`.coding`); the environment's ``_respond`` hook only delegates to it. The ideal
orchestrator (:mod:`swarmnb.scenarios._orchestrate`) and the dispatch by conversation
(:class:`~swarmnb.scenarios.ScenarioOracle`) are shared by all scenarios.
"""
