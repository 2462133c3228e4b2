"""Every role's desk, the first page after login, on a laptop; two of them on a phone."""

from . import Scene

SCENES = [Scene(f"desk-{name}", user, "laptop", "/") for user, name in (
    ("lingkungan", "lingkungan"), ("kelurahan", "kelurahan"), ("kecamatan", "kecamatan"),
    ("dinas", "dinas"), ("dprd", "dprd"), ("setwan", "setwan"), ("admin", "bappeda"),
    ("pemantau", "pemantau"))] + [
    Scene("desk-kelurahan-phone", "kelurahan", "phone", "/"),
    Scene("desk-bappeda-phone", "admin", "phone", "/")]
