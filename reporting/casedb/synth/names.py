"""Made-up names for synthetic people. Combined at random; any likeness to a real person is chance."""

from __future__ import annotations

import random

FORENAMES = {
    "M": ["Adam", "Ali", "Amir", "Ben", "Callum", "Daniel", "Dev", "Elijah", "Ethan", "Femi",
          "Finn", "George", "Hamza", "Harry", "Isaac", "Jack", "Jayden", "Kai", "Kofi", "Leo",
          "Liam", "Luca", "Mason", "Mohammed", "Noah", "Oscar", "Rayan", "Reuben", "Sami",
          "Theo", "Tomasz", "Yusuf", "Zain"],
    "F": ["Aaliyah", "Amara", "Amelia", "Ava", "Bella", "Chloe", "Daisy", "Eden", "Ella", "Emily",
          "Esme", "Fatima", "Grace", "Hana", "Imani", "Isla", "Jade", "Keira", "Layla", "Lily",
          "Maya", "Mia", "Nadia", "Niamh", "Olivia", "Poppy", "Ruby", "Safiya", "Sofia", "Tia",
          "Yasmin", "Zara", "Zofia"],
}
SURNAMES = ["Abara", "Ahmed", "Allen", "Bakr", "Bennett", "Brennan", "Campbell", "Clarke", "Costa",
            "Davies", "Diallo", "Edwards", "Evans", "Faulkner", "Green", "Hassan", "Hughes", "Islam",
            "Jones", "Kaya", "Khan", "Kowalski", "Lewis", "Mensah", "Miah", "Moore", "Murphy",
            "Nowak", "Okafor", "Osei", "Patel", "Quinn", "Rahman", "Reid", "Santos", "Shah", "Smith",
            "Taylor", "Uddin", "Walker", "Ward", "Williams", "Wright", "Yilmaz"]


def forename(rng: random.Random, sex: str) -> str:
    names = FORENAMES.get(sex, FORENAMES["F"])
    return names[rng.randrange(len(names))]


def surname(rng: random.Random) -> str:
    return SURNAMES[rng.randrange(len(SURNAMES))]


def person_name(rng: random.Random, sex: str) -> str:
    return f"{forename(rng, sex)} {surname(rng)}"
