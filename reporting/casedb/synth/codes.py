"""Code lists used by the generator (DfE CIN census and SSDA903 value sets), with weights."""

ETHNICITY = {
    "WBRI": 30, "WIRI": 2, "WOTH": 12, "WROM": 1, "MWBC": 5, "MWBA": 3, "MWAS": 2, "MOTH": 5,
    "AIND": 2, "APKN": 1, "ABAN": 12, "AOTH": 2, "BCRB": 3, "BAFR": 10, "BOTH": 3, "CHNE": 1,
    "OOTH": 6, "REFU": 1, "NOBT": 1,
}
REFERRAL_SOURCE = {
    "1A": 3, "1B": 4, "1C": 1, "2A": 18, "2B": 2, "3A": 4, "3B": 3, "3C": 6, "3D": 3, "3E": 2,
    "4": 3, "5A": 8, "5B": 2, "5C": 1, "5D": 1, "6": 28, "7": 2, "8": 5, "9": 2, "10": 2,
}
SOURCE_DESC = {
    "1A": "Individual - family member", "1B": "Individual - acquaintance", "1C": "Individual - self",
    "2A": "Schools", "2B": "Education services", "3A": "Health - GP", "3B": "Health visitor",
    "3C": "Hospital", "3D": "Other primary health", "3E": "A&E", "4": "Housing",
    "5A": "LA services - social care", "5B": "LA services - other internal", "5C": "Other LA",
    "5D": "Other LA services", "6": "Police", "7": "Other legal agency", "8": "Other",
    "9": "Anonymous", "10": "Unknown",
}
PRIMARY_NEED = {"N1": 55, "N2": 4, "N3": 8, "N4": 14, "N5": 9, "N6": 3, "N7": 1, "N8": 3, "N9": 3}
# The SSDA903 takes N1-N8 only (rule 145): N9 (cases other than children in need) is CIN-only.
CLA_PRIMARY_NEED = {code: weight for code, weight in PRIMARY_NEED.items() if code != "N9"}
CP_CATEGORY = {"NEG": 40, "EMO": 38, "PHY": 8, "SAB": 4, "MUL": 10}
ASSESSMENT_FACTORS = [
    "1B", "1C", "2B", "2C", "3B", "3C", "4B", "4C", "5B", "5C", "6B", "6C", "7A", "8B",
    "8C", "8D", "8E", "8F", "9A", "10A", "11A", "12A", "13A", "14A", "15A", "16A", "17A",
    "18B", "18C", "19B", "19C", "20", "21", "22A", "23A", "24A",
]
CONTACT_OUTCOME = {"Referral to children's social care": 0, "Early help": 30, "Advice and information": 40,
                   "No further action": 30}
# At entry: most children come in under an interim care order (C1, which becomes C2 when the
# proceedings end); England 2023 had 76% on care orders and 19% under section 20 at 31 March
# (DfE CLA characteristics; unaccompanied children, all section 20, come on top).
LEGAL_STATUS = {"C2": 22, "V2": 7, "C1": 58, "E1": 5, "L1": 3, "J2": 2, "V4": 3}
# England 2023 (DfE CLA characteristics): 68% foster, 9% children's homes, 8% semi-independent
# (16-17 only), 7% placed with parents, 2% placed for adoption (only adopted children: rule 551).
PLACEMENT_TYPE = {"U4": 32, "U1": 12, "U6": 8, "K2": 11, "R1": 2, "P1": 9, "H5": 9, "U2": 6, "U5": 5,
                  "A4": 3, "Z1": 3}
PLACEMENT_PROVIDER = {"PR1": 50, "PR4": 30, "PR2": 8, "PR5": 12}
PLACEMENT_CHANGE_REASON = {"CARPL": 30, "CLOSE": 10, "ALLEG": 3, "STAND": 8, "APPRR": 12,
                           "CREQB": 10, "CREQO": 10, "CHILD": 10, "LAREQ": 4, "PLACE": 3}
CLA_START_REASON = {"S": 60, "L": 10, "T": 10, "P": 10, "B": 5, "U": 5}
CLA_CEASED_REASON = {"E11": 8, "E12": 10, "E41": 4, "E45": 8, "E13": 22, "E4A": 25, "E8": 8,
                     "E3": 5, "E7": 10}
REVIEW_PARTICIPATION = {"PN1": 30, "PN2": 15, "PN3": 15, "PN4": 10, "PN5": 8, "PN6": 7, "PN7": 10,
                        "PN0": 5}
# Looked-after reviews: PN0 (child under 4 at the review) is set by age, never drawn (rule 440).
CLA_REVIEW_PARTICIPATION = {code: weight for code, weight in REVIEW_PARTICIPATION.items() if code != "PN0"}
# Care leavers' accommodation types with no "suitable" variant: S (no fixed abode) and X (in
# custody) are always coded as not suitable, S2 and X2 (rule 133).
ALWAYS_UNSUITABLE_ACCOMMODATION = ("S", "X")
# Care leavers aged 19-21, Camden 2023: 88% in suitable accommodation (no fixed abode and custody
# are never suitable); Camden 2025: 58% in education, employment or training (DfE CLA care
# leavers' files; config/calibration.yml). F*/P* are in education, employment or training.
CARE_LEAVER_ACCOMMODATION = {"S": 2, "T": 14, "U": 12, "K": 9, "B": 10, "C": 7, "D": 7, "E": 6,
                             "G": 6, "H": 5, "R": 5, "V": 4, "W": 3, "X": 1, "Y": 3, "Z": 3}
CARE_LEAVER_ACTIVITY = {"F1": 8, "P1": 3, "F2": 10, "P2": 4, "F4": 15, "P4": 8, "F5": 6, "P5": 4,
                        "G4": 12, "G5": 19, "G6": 8}
DISABILITY = {"MOB": 10, "HAND": 6, "PC": 12, "INC": 5, "COMM": 18, "LD": 22, "HEAR": 5, "VIS": 5,
              "BEH": 10, "CON": 5, "AUT": 25, "DDA": 5}
CONFERENCE_AGENCIES = ["Police", "School", "Health visitor", "GP", "School nurse", "Housing",
                       "CAMHS", "Probation", "Adult mental health", "Early years"]
MISSING_TYPE = {"M": 70, "A": 30}
AUDIT_GRADES = {"Outstanding": 8, "Good": 55, "Requires Improvement": 30, "Inadequate": 7}
AUDIT_PRACTICE_AREAS = [
    "Child's journey", "Specific risk factors", "Assessment, planning and review",
    "Engaging families", "Joint working", "Equalities and Social GRRAACCEESS", "Recording",
    "Management oversight and decision making", "Impact and outcomes",
    "Staff wellbeing and practice development", "Social work processes",
]
HOMELESS_DISPOSAL = {"Accommodated under section 20": 30, "Section 17 support": 25,
                     "Returned to family": 30, "Referred to Housing": 10, "No further action": 5}
