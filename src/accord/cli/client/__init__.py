"""Client commands (`accord assets|publish|register|proposals|check`) over ``accord.sdk``.

They talk to a running server over HTTP and import nothing from the server side.
"""
