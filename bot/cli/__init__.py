"""The command line (`rescuebot`): the composition root for every process, the commands, and
their terminal and JSON renderings. An operator's tool: it may call every use case.
"""
