"""Word lists the financial NER shares between its generator and its rule stage.

One home for: the merchant gazetteer (nivesh/data/text/merchants.txt, with each
merchant's spending category), the CATEGORY vocabulary (English and Hinglish), and
the deterministic slice of merchants held out of training and of the shipped
gazetteer, so that the gate's "unseen merchants" score measures generalisation.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

MERCHANTS_FILE = Path(__file__).resolve().parent.parent / "data" / "text" / "merchants.txt"
HELD_OUT_PERCENT = 12  # of merchant names, chosen by hash; never in generated training text

# Spending categories as people write them; multi-word terms are matched before their parts.
CATEGORY_TERMS: tuple[str, ...] = (
    "food", "food delivery", "groceries", "grocery", "shopping", "online shopping", "travel", "fuel", "petrol",
    "diesel", "rent", "house rent", "electricity", "water", "gas", "piped gas", "gas cylinder", "lpg",
    "entertainment", "medical", "medicines", "medicine", "pharmacy", "healthcare", "hospital bills", "education",
    "school fees", "college fees", "tuition", "tuition fees", "coaching", "emi", "loan emi", "home loan emi",
    "car loan emi", "insurance", "health insurance", "car insurance", "bike insurance", "term insurance",
    "life insurance", "dining", "eating out", "dinner", "lunch", "breakfast", "snacks", "coffee", "tea",
    "mobile recharge", "recharge", "dth recharge", "metro card recharge", "bike taxi", "broadband", "internet",
    "wifi", "dth", "cable", "utilities", "investments", "investment", "sip", "ppf", "nps", "fd", "rd", "gold",
    "mutual funds", "stocks", "clothes", "clothing", "apparel", "footwear", "subscriptions", "subscription", "ott",
    "streaming", "music", "movies", "movie", "tickets", "flight", "flights", "train ticket", "cab", "cabs", "taxi",
    "auto", "metro", "bus", "toll", "fastag", "parking", "gym", "fitness", "salon", "grooming", "cleaning", "laundry",
    "maid", "household", "maintenance", "society maintenance", "property tax", "tax", "income tax", "donations",
    "donation", "charity", "salary", "freelance", "bonus", "interest", "dividend", "cashback", "gifts", "gift",
    "wedding", "car loan", "home loan", "personal loan", "education loan", "bike loan", "gold loan", "commute",
    "transport", "beer", "wine", "drinks", "jewellery", "electronics", "gadgets", "furniture", "home decor", "pet",
    "pet care", "childcare", "daycare", "car service", "bike service", "ac service", "repairs", "vacation", "holiday",
    "hotel", "stay", "books", "stationery", "sports", "meat", "vegetables", "fruits", "milk", "dairy", "alcohol",
    "liquor", "cigarettes", "beauty", "cosmetics", "doctor", "lab tests", "dental",
    # Hinglish
    "khana", "khane", "khaana", "kiraya", "kiraaya", "bijli", "paani", "dawai", "dawaiyan", "dawaiyon", "davai",
    "kapde", "kapdon", "kapda", "sabzi", "sabji", "kirana", "doodh", "mithai", "padhai", "bachchon ki padhai",
    "school ki fees", "shaadi", "safar", "ghoomna", "petrol diesel", "sona", "chai", "naashta", "nasta", "ilaaj",
)  # fmt: skip

# Gazetteer names that are also everyday words: generated as merchants, but never
# matched by the rule stage on their own (the statistical model decides from context).
COMMON_WORDS = frozenset(
    """
    max only central lifestyle trends unlimited social nothing fi cult lee mia hero honda act idea best time ims
    ey epf ppf nps gst taj jar slice calm notion wise aha district udupi apollo chetak bosch
    lulu spar amul truffles lunchbox thrive colive zolo settl housr flatmate
    innov8 digit kiwi navi uni jupiter dhan coin vested spare8 gullak toit empire nagarjuna
    bawarchi nandini aavin arrow lee only unlimited trends central fastag rto vahan sarathi cred allen aakash
    narayana resonance motion kaya looks enrich rainbow kauvery care sparsh cigna loop plum ditto zuno
    tumbledry pressto porter gati borzo jeeves servify pitstop speedy bumble hinge calm headspace scribd mint
    ken simple revolt pure ampere ola uber gst
    """.split()
) - {"ola", "uber", "cred", "apollo", "taj"}  # brand-first in financial text


def normalize(name: str) -> str:
    return " ".join(name.lower().replace("\u2019", "'").split())


@cache
def merchants(path: Path = MERCHANTS_FILE) -> dict[str, str]:
    """Every gazetteer name (as written) -> its spending category."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        category, _, names = line.partition(":")
        for name in names.split("|"):
            if name.strip():
                out.setdefault(name.strip(), category.strip())
    return out


def held_out(name: str) -> bool:
    """True for the fixed slice of merchants no model sees in training (hash of the name)."""
    digest = hashlib.sha256(normalize(name).encode()).digest()
    return digest[0] * 100 // 256 < HELD_OUT_PERCENT


def training_merchants() -> dict[str, str]:
    return {n: c for n, c in merchants().items() if not held_out(n)}


def unseen_merchants() -> dict[str, str]:
    return {n: c for n, c in merchants().items() if held_out(n)}


def rule_gazetteer(names: dict[str, str] | None = None) -> list[str]:
    """Names the rule stage matches exactly (all merchants, or those given) minus everyday
    words. The shipped model knows every name; the unseen-merchant score is measured
    with the training slice only, so that it counts what the model learnt from context."""
    names = merchants() if names is None else names
    return sorted(
        n for n in names if normalize(n) not in COMMON_WORDS and len(n) >= 2 and not normalize(n).endswith(" bank")
    )


# People and places look like merchants to a model (capitalised, in a payee slot) but are not.
FIRST_NAMES: tuple[str, ...] = tuple(
    """rahul priya amit neha vikram sneha arjun kavya rohan ananya suresh lakshmi farhan ayesha gurpreet joseph
    meera karthik divya sanjay pooja anil anjali swati ramesh sunita mohan ravi karan rohit aditya akash deepak
    manoj rajesh ramya shreya nikhil varun vivek harish ashok geeta kiran lata usha vijay arun prakash naveen
    imran salman fatima zoya mary thomas george john abdul irfan sachin sourav rakesh dinesh mahesh ganesh
    venkat srinivas balaji murali sai praveen pradeep sandeep sunil anita rekha seema nisha payal preeti jyoti
    asha radha sita gita parvati durga kamala savitri yash dev ishaan vihaan aarav reyansh advait tanvi riya""".split()
)
LAST_NAMES: tuple[str, ...] = tuple(
    """sharma iyer reddy khan singh patel nair das gupta menon joshi rao kumar verma mehta shah jain agarwal
    mishra pandey yadav chauhan thakur naidu pillai chatterjee banerjee mukherjee ghosh bose sen dutta roy
    kulkarni deshpande patil pawar jadhav shinde gill sandhu dhillon kapoor malhotra khanna arora bhatia
    sethi chopra saxena srivastava tiwari dubey tripathi qureshi ansari siddiqui fernandes dsouza rodrigues""".split()
)
PLACES: tuple[str, ...] = tuple(
    """mumbai delhi bengaluru bangalore pune chennai kolkata hyderabad jaipur lucknow kochi ahmedabad indore
    noida gurgaon gurugram thane patna bhopal nagpur surat vadodara nashik goa manali shimla ooty munnar
    kerala rajasthan kashmir ladakh leh rishikesh haridwar varanasi agra udaipur jodhpur mysore coorg
    pondicherry andaman darjeeling sikkim shillong amritsar chandigarh dehradun mussoorie nainital tirupati
    shirdi vaishno devi kedarnath dubai singapore thailand bali bangkok london europe usa maldives""".split()
)


@cache
def packaged_words() -> tuple[str, ...]:
    """Lower-case words of the project's own packaged text (advice corpus and questions,
    NER and intent frames): everyday English and Hinglish as this domain writes it."""
    import json
    import re

    from nivesh.data import intents, ner_templates

    folder = MERCHANTS_FILE.parent.parent / "advice"
    texts: list[str] = []
    for name in ("corpus.jsonl", "benign.jsonl", "guard_train.jsonl"):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line) if line.strip() else {}
            texts += [str(v) for k, v in record.items() if k in ("question", "answer", "text")]
    texts += [t for frames in ner_templates.KINDS.values() for t in frames]
    texts += [t for frames in intents.TEMPLATES.values() for t in frames]
    brands = {normalize(n) for n in merchants()}
    return tuple(sorted({w for t in texts for w in re.findall(r"[a-z]{2,}", t.lower())} - brands))


def common_words() -> frozenset[str]:
    """Words that alone are not a merchant on the statistical model's say-so: the packaged
    text's words, the packaged encoder's whole-word vocabulary (about 20,000 English
    words) when it is installed, people's names and places; minus the gazetteer's brands.
    Computed at training time and saved with the pipeline."""
    words = set(packaged_words()) | set(PLACES) | set(FIRST_NAMES) | set(LAST_NAMES)
    try:
        from nivesh.families.text_classifier import packaged_encoder

        vocab = (packaged_encoder() / "vocab.txt").read_text(encoding="utf-8").split()
        words |= {w for w in vocab if w.isalpha() and w.isascii() and len(w) >= 2}
    except (ImportError, OSError):  # serving images need not carry the encoder
        pass
    return frozenset(words - {normalize(n) for n in merchants()} | (words & COMMON_WORDS))
