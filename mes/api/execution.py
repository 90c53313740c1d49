def register(router):
    pass


def urls():
    return []
