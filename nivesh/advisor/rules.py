"""The guardrails' keyword rules in English, Hinglish and Hindi: the floor under the
classifier (`guard_model`), and the whole of the output checks.

Attack patterns (injection, unsafe requests, return promises, tips) are matched against
`textnorm.squashed` text, so they are compiled through `_sq`, which collapses repeated
letters in their literal words the same way (guaranteed -> guarantd, khareedo -> kharedo).
Vocabulary (finance, products, self-harm, abuse) is matched against `textnorm.plain`.
Hinglish spellings vary (kharido / khareedo / kharid lo): the patterns allow the common
vowel swaps; Devanagari has its own alternatives, written as Hindi is written.
"""

from __future__ import annotations

import regex

_I = regex.IGNORECASE | regex.VERSION0
_NEAR = r"[^.!?\n।|]{0,%d}"  # within one sentence, at most N characters apart


def _sq(pattern: str) -> regex.Pattern[str]:
    """Compile `pattern` for squashed text, its words read the same way (`textnorm.squash_word`)."""
    pattern = regex.sub(r"(?<!\\)ee", "i", regex.sub(r"(?<!\\)oo", "u", pattern))
    return regex.compile(regex.sub(r"(?<!\\)([a-z])\1+", r"\1", pattern), _I)


def near(a: str, b: str, n: int = 40) -> str:
    return f"(?:{a}){_NEAR % n}(?:{b})"


def words(*ws: str) -> str:
    return r"\b(?:" + "|".join(ws) + r")\b"


# --- injection: text that addresses the assistant's own instructions -------------------------
_DROP = words(
    "ignore",
    "ignoring",
    "disregard",
    "forget",
    "forgetting",
    "override",
    "bypass",
    "drop",
    "discard",
    "abandon",
    "ditch",
    "skip",
    "suspend",
    "disable",
    "delete",
    "erase",
    "remove",
    "lift",
    "relax",
    "loosen",
    "set aside",
    "put aside",
    "throw away",
    "throw out",
    "turn off",
    "switch off",
    "stop following",
    "stop obeying",
    "no longer follow",
    "don'?t follow",
    "do not follow",
    "don'?t obey",
    "do not obey",
    "free yourself from",
    "break free of",
    "unlearn",
    "wipe",
    "reset",
)
_GUIDANCE = words(
    "instructions?",
    "rules?",
    "guidelines?",
    "guardrails?",
    "guidance",
    "prompts?",
    "polic(?:y|ies)",
    "restrictions?",
    "constraints?",
    "filters?",
    "limits?",
    "limitations?",
    "programming",
    "directives?",
    "safety",
    "training",
    "conditioning",
    "everything (?:above|before|else|you (?:were|have been) told)",
    "what you (?:were|have been) told",
    "(?:previous|prior|earlier|above|original|initial) (?:messages?|text|context)",
    "all (?:of )?(?:that|this|the above)",
)
_PERSONA = (
    r"\byou are now\b|\byou'?re now\b|\bfrom now on,? (?:you|your)\b|\bact as (?:an?|the|my)\b|\bact like (?:an?|the)\b"
    r"|\bpretend (?:to be|you)\b|\brole[- ]?play\b|\bplay the (?:role|part) of\b|\bimagine you(?: are|'re)\b"
    r"|\byou (?:are|'re) no longer\b|\bno longer (?:an?|the) (?:assistant|ai|bot)\b|\b(?:new|different|alternate) persona\b"
    r"|\bstay in character\b|\bsimulate (?:an?|the)\b|\b(?:the )?assistant (?:must|should|will|shall|may now|has to)\b"
    r"|\b(?:unfiltered|uncensored|unrestricted|unchained|unbound)\b"
    r"|\b(?:without|with no|no) (?:any )?(?:rules|restrictions|limits|filters|guardrails|boundaries|censorship)\b"
    r"|\b(?:developer|god|jailbreak|dan|sudo|admin|debug|evil) mode\b|\bjailbreak\w*|\bdo anything now\b"
)
_REVEAL = near(
    words(
        "reveal",
        "print",
        "show",
        "repeat",
        "output",
        "display",
        "leak",
        "dump",
        "share",
        "copy",
        "recite",
        "spell out",
        "tell me",
        "what (?:is|are|were)",
    ),
    words(
        "system prompt",
        "your (?:hidden |secret |initial |original |system )?(?:prompt|instructions|rules)",
        "the (?:hidden |secret |initial |original |system )(?:prompt|instructions|rules)",
        "(?:hidden|secret|initial|original) (?:prompt|instructions|message)",
        "configuration",
    ),
    30,
)
_ECHO = near(
    words("repeat", "print", "output", "show", "copy", "recite", "paste", "echo"),
    words(
        "(?:the |all )?(?:text|words|message|content|lines?|prompt) (?:above|before)",
        "everything (?:above|before)",
        "verbatim",
        "starting with",
    ),
    30,
)
_STRUCTURE = (
    r"<\s*/?\s*(?:system|instructions?|assistant|sys|admin)\s*>|\[\s*/?\s*(?:system|inst|sys|admin)\s*\]"
    r"|#{2,}\s*(?:system|instructions?|admin)|^\s*(?:system|assistant|admin)\s*:|\bnew (?:instructions?|rules?)\s*:"
)
_HINGLISH_GUIDANCE = words(
    "niyam\\w*",
    "rules?",
    "instructions?",
    "nirdesh\\w*",
    "guidelines?",
    "hidayat\\w*",
    "pabandi\\w*",
    "sab kuch",
    "sab",
    "pichhl\\w+ baat\\w*",
)
_HINGLISH_DROP = (
    near(
        words(
            "bh?ul ja[oy]?\\w*",
            "bh?ulo",
            "ignore (?:karo|kar do|kr do|kardo|kro)",
            "nazar ?andaz \\w+",
            "chh?o?d do",
            "chh?odo",
            "hata do",
            "hatao",
            "mat (?:maa?no|mano|follow karo)",
            "follow mat (?:karo|kro)",
            "na maa?no",
            "maa?nna band",
        ),
        _HINGLISH_GUIDANCE,
        40,
    )
    + "|"
    + near(
        _HINGLISH_GUIDANCE,
        words("bh?ul ja\\w*", "ignore kar\\w*", "chh?o?d do", "mat maa?no", "hata do", "nazar ?andaz \\w+"),
        40,
    )
    + r"|\bab se (?:tum|aap|tu)\b|\btum ab\b[^.!?\n]{0,30}\bho\b|\bbina (?:kisi )?(?:niyam|rules?|pabandi|rok ?tok)\b"
    + (r"|\bkoi (?:niyam|rules?|pabandi|rok ?tok) nahi\b")
    + "|"
    + near(
        words("system prompt", "apn[ea] (?:instructions|nirdesh|niyam|rules)"),
        words("batao", "dikhao", "bata do", "likho"),
        30,
    )
)
_HINDI_DROP = (
    near(
        "भूल जा|भूलो|भुला दो|अनदेखा कर|नजरअंदाज कर|मत मानो|मत मानें|छोड़ दो|छोड़ दें|हटा दो|पालन मत",
        "निर्देश|नियम|हिदायत|पाबंदी|पिछल|सब कुछ|सारी बात",
        40,
    )
    + "|"
    + near("निर्देश|नियम|हिदायत|पाबंदी|पिछल|सब कुछ", "भूल जा|भुला दो|अनदेखा कर|नजरअंदाज कर|मत मानो|छोड़ दो|हटा दो", 40)
    + r"|अब से (?:तुम|आप|तू)|बिना (?:किसी )?(?:नियम|पाबंदी|रोक)|कोई (?:नियम|पाबंदी) नहीं"
    + "|"
    + near("सिस्टम प्रॉम्प्ट|अपने (?:निर्देश|नियम)", "बताओ|दिखाओ|बता दो|लिखो", 30)
)
INJECTION = _sq(
    near(_DROP, _GUIDANCE, 40)
    + "|"
    + _PERSONA
    + "|"
    + _REVEAL
    + "|"
    + _ECHO
    + "|"
    + _STRUCTURE
    + "|"
    + _HINGLISH_DROP
    + "|"
    + _HINDI_DROP
)
TAG_BLOCK = regex.compile(r"<\s*(system|instructions?|assistant)\s*>.*?<\s*/\s*\1\s*>", _I | regex.DOTALL)

# --- unsafe requests: breaking the law or harming someone ---------------------------------------
_CREDENTIAL = words(
    "otp", "one time password", "upi pin", "mpin", "atm pin", "pin", "password", "cvv", "net ?banking", "login"
)
_SOMEONE_ELSES = words(
    "someone(?: else)?'?s",
    "somebody(?: else)?'?s",
    "other (?:people|persons?|users?)'?s?",
    "others'?",
    "another (?:person|user|customer)'?s?",
    "a strangers?'?s?",
    "(?:my|his|her|their) (?:friend|neighbou?r|boss|colleague|"
    "relative|uncle|aunt|landlord|tenant|client|customer|employer|father|mother|dad|mom|wife|husband|brother|sister)'?s",
    "victims?'?s?",
    "customers?'?",
    "his",
    "her",
    "their",
    "elderly",
)
_EN_UNSAFE = "|".join(
    [
        near(
            words(
                "evade",
                "evading",
                "evasion",
                "dodge",
                "dodging",
                "hide",
                "hiding",
                "conceal",
                "concealing",
                "cheat",
                "under ?report\\w*",
                "under ?declar\\w*",
                "under ?invoic\\w*",
                "not declare",
                "not report",
                "not show",
                "without declaring",
                "without reporting",
                "without showing",
                "keep \\w+ off the books",
                "off the books",
                "escape",
                "sneak",
                "launder",
                "whitewash",
            ),
            words(
                "tax(?:es|man)?",
                "income",
                "earnings",
                "gst",
                "it department",
                "income tax",
                "authorities",
                "reporting",
                "scrutiny",
                "the books",
                "cash",
                "black money",
                "itr",
            ),
            40,
        ),
        near(
            words("convert", "turn", "make", "change", "clean", "wash"),
            words("black money", "unaccounted (?:cash|money|income)", "cash"),
            20,
        )
        + r"[^.!?\n]{0,20}\b(?:white|legal|clean|legit)\b",
        words(
            "launder (?:my|our|the|this|that|some|black|dirty|illegal|stolen|cash|money|funds|proceeds)",
            "hack into",
            "hack (?:his|her|their|someone\\w*|somebody\\w*|my (?:friend|neighbou?r|boss|wife|husband)\\w*)",
            "hack (?:an?|the) (?:account|upi|bank|phone|wallet|app|atm)",
            "clone (?:a|his|her|someone'?s) card",
            "(?:make|create|build|send|write|set up|design|run) (?:a |an )?(?:phishing|fake (?:login|bank|kyc) (?:page|site|link|sms))",
        ),
        near(
            words(
                "fake",
                "forge",
                "forged",
                "forging",
                "fabricate\\w*",
                "counterfeit",
                "bogus",
                "false",
                "backdate\\w*",
                "doctor\\w*",
            ),
            words(
                "rent receipts?",
                "receipts?",
                "invoices?",
                "bills?",
                "documents?",
                "pan(?: card)?",
                "salary slips?",
                "payslips?",
                "kyc",
                "form ?16",
                "medical bills?",
                "certificates?",
                "bank statements?",
                "signatures?",
                "id",
                "aadhaa?r",
                "income proof",
                "itr",
            ),
            30,
        ),
        near(
            words(
                "steal",
                "stealing",
                "get",
                "obtain",
                "grab",
                "trick",
                "fish for",
                "extract",
                "use",
                "find out",
                "know",
                "crack",
            ),
            _CREDENTIAL,
            30,
        )
        + _NEAR % 30
        + r"(?:"
        + words(
            "someone",
            "somebody",
            "other",
            "others",
            "people",
            "victims?",
            "customers?",
            "strangers?",
            "elderly",
            "without",
        )
        + r"|\b(?:his|her|their|him|them|my (?:friend|neighbou?r|boss|colleague|relative|father|mother|wife|husband))\b)",
        near(
            _SOMEONE_ELSES,
            words("accounts?", "upi", "cards?", "otp", "wallet", "phone", "sim", "pin", "password", "login"),
            30,
        )
        + _NEAR % 40
        + words(
            "access",
            "use",
            "withdraw",
            "transfer",
            "log ?in",
            "log into",
            "take",
            "without",
            "secretly",
            "empty",
            "drain",
        ),
        near(
            near(
                words("trick", "fool", "con", "convince", "manipulate", "scam", "cheat", "dupe", "lure", "pressure"),
                words(
                    "people",
                    "someone",
                    "somebody",
                    "elderly",
                    "customers?",
                    "victims?",
                    "users?",
                    "him",
                    "her",
                    "them",
                    "strangers?",
                    "seniors?",
                    "parents",
                ),
                30,
            ),
            _CREDENTIAL + "|" + words("money", "savings", "paying", "transfer\\w*", "invest\\w*", "sharing", "giving"),
            40,
        ),
        near(
            words("bypass", "get around", "get past", "avoid", "skip", "fool", "beat", "trick"),
            words("kyc", "aml", "verification", "due diligence"),
            20,
        ),
        near(
            words(
                "split",
                "break",
                "breaking",
                "divide",
                "spread",
                "structure",
                "structuring",
                "smurf\\w*",
                "chunks?",
                "small amounts?",
                "several deposits",
                "many accounts",
            ),
            words(
                "limit",
                "threshold",
                "report\\w*",
                "pan",
                "radar",
                "notice",
                "flag\\w*",
                "detect\\w*",
                "income tax",
                "scrutiny",
                "tracked",
                "questions?",
                "10 lakh",
                "2 lakh",
                "50,?000",
                "ctr",
                "sft",
                "caught",
            ),
            60,
        ),
        near(
            words("deposit\\w*", "withdraw\\w*", "cash"),
            words(
                "so (?:that )?(?:it|they|the bank|the (?:tax|it) (?:department|dept)) (?:doesn'?t|don'?t|won'?t|can'?t|never) (?:notice|report|flag|track|see|know)",
                "without (?:triggering|being (?:flagged|reported|noticed|tracked))",
                "stay under the (?:radar|limit|threshold)",
                "under the radar",
            ),
            60,
        ),
        near(
            words("ponzi", "pyramid scheme", "chit fund scam"),
            words("start", "run", "set up", "create", "launch", "make"),
            30,
        ),
        near(words("start", "run", "set up", "create", "launch", "make"), words("ponzi", "pyramid scheme"), 30),
    ]
)
_HINGLISH_UNSAFE = "|".join(
    [
        near(
            words("tax", "income", "kamai", "kamaai", "aamdani", "aay", "paisa", "paise", "cash", "nakad"),
            words("chh?u?pa\\w*", "chh?ip\\w*", "hide kar\\w*", "na dikha\\w*", "mat dikha\\w*", "bina dikha\\w*"),
            40,
        ),
        near(words("tax chori", "tax chor\\w*"), words("kais\\w*", "kar\\w*", "tarik\\w*", "tareek\\w*", "batao"), 30),
        near(
            words("kaa?la", "black", "do number"), words("safed", "white", "saa?f", "clean", "badal\\w*", "convert"), 30
        ),
        near(
            words("nakli", "farzi", "jh?uo?o?th[ie]?", "fake", "jaa?li"),
            words(
                "rasi?e?e?d\\w*",
                "receipts?",
                "bills?",
                "invoices?",
                "kaagaz\\w*",
                "documents?",
                "salary slips?",
                "kiraya",
            ),
            30,
        ),
        near(
            words(
                "kisi", "dusr\\w+", "doosr\\w+", "dost", "padosi", "boss", "uska", "uski", "unka", "unki", "kisi aur"
            ),
            _CREDENTIAL,
            30,
        )
        + _NEAR % 40
        + words("le\\w*", "nikal\\w*", "chahiye", "kaise", "use", "pata", "maa?ng\\w*", "chura\\w*"),
        near(words("otp", "pin", "password", "cvv"), words("chura\\w*", "chori"), 30),
        near(
            words(
                "tod", "tod ?ke", "tod kar", "baa?nt\\w*", "chh?ote chh?ote", "thoda thoda", "tukdo\\w*", "alag alag"
            ),
            words("jama", "deposit", "nikal\\w*"),
            40,
        )
        + _NEAR % 60
        + words(
            "taa?ki",
            "jisse",
            "notice na",
            "pakda na",
            "pata na",
            "report na",
            "pakad",
            "pakde",
            "nazar",
            "limit",
            "pan na",
        ),
        words("hack kar\\w*", "hack kais\\w*"),
    ]
)
_HINDI_UNSAFE = (
    near("टैक्स चोरी|कर चोरी|कर की चोरी", "कैसे|तरीका|करें|करूं|करूँ", 30)
    + "|"
    + near("आय|कमाई|आमदनी|पैसा|पैसे|नकद|कैश|इनकम", "छुपा|छिपा", 40)
    + "|"
    + near("काला धन|काले धन|काला पैसा|काले पैसे", "सफेद|सफ़ेद|व्हाइट|छुपा|बदल", 30)
    + "|"
    + near("नकली|फर्जी|झूठी|झूठे|जाली", "रसीद|बिल|दस्तावेज|इनवॉइस|सैलरी स्लिप|कागज|पैन कार्ड|प्रमाण", 30)
    + "|"
    + near("किसी (?:और|दूसरे)|दूसरों|दोस्त|पड़ोसी|उसका|उसकी|उनका", "ओटीपी|ओ टी पी|पिन|पासवर्ड|खाते|खाता", 30)
    + "|"
    + near("टुकड़ों|छोटे-छोटे|छोटे छोटे|थोड़ा-थोड़ा|थोड़ा थोड़ा|बांट", "जमा|निकाल", 40)
    + "|चुराना|चुराऊं|चुराएं"
)
UNSAFE = _sq(_EN_UNSAFE + "|" + _HINGLISH_UNSAFE + "|" + _HINDI_UNSAFE)
# Crimes by name: asking how to commit one is unsafe; asking what it is, or how to spot, avoid
# or report it, is a finance question ("what is money laundering?", "how do I avoid phishing?").
UNSAFE_TOPIC = _sq(
    words(
        "black money",
        "money laundering",
        "launder\\w*",
        "hawala",
        "benami\\w*",
        "shell compan(?:y|ies)",
        "mule accounts?",
        "money mules?",
        "pump and dump",
        "insider (?:tips?|information|trading)",
        "circular trading",
        "bogus (?:bills?|invoices?)",
        "card cloning",
        "sim swap\\w*",
        "carding",
        "hack\\w*",
        "phish\\w*",
        "skim\\w*",
        "keyloggers?",
        "spoof\\w*",
        "ponzi",
        "pyramid scheme",
        "kaa?la ?dhan",
        "kaa?la paisa",
        "do number ka paisa",
        "tax chori",
    )
    + r"|काला धन|काले धन|काला पैसा|हवाला|मनी लॉन्ड्रिंग|बेनामी|हैक"
)
HOW_TO = _sq(
    words(
        "how (?:to|can|do|should|would|could)",
        "ways? to",
        "best way",
        "easiest way",
        "safest way",
        "help me",
        "teach me",
        "steps? to",
        "guide (?:to|me)",
        "tips? (?:to|for|on)",
        "tricks? to",
        "method to",
        "i want to",
        "i need to",
        "let me",
        "is there a way",
        "kaise",
        "kais[ae]",
        "tarik[ae]",
        "tareek[ae]",
        "sikhao",
        "batao",
        "bata do",
    )
    + r"|कैसे|तरीका|तरीके|बताओ|सिखाओ"
)
DEFENCE = _sq(
    words(
        "report\\w*",
        "protect\\w*",
        "avoid\\w*",
        "spot",
        "identify",
        "recogni[sz]e",
        "detect\\w*",
        "prevent\\w*",
        "stop",
        "safe",
        "safely",
        "secure",
        "complain\\w*",
        "complaint",
        "recover\\w*",
        "victim",
        "fell for",
        "lost",
        "from (?:being|getting)",
        "bach\\w*",
        "pehchan\\w*",
        "shikayat",
        "legal",
        "illegal",
        "penalty",
        "punish\\w*",
        "jail",
        "law",
        "pmla",
        "what is",
        "what are",
        "meaning",
        "kya hai",
        "kya hota",
        "know if",
        "check if",
        "find out if",
        "tell if",
        "is (?:it|this|that) an?",
        "signs? of",
        "red flags?",
        "warning signs?",
        "scam",
    )
    + r"|बचें|बचाव|बचना|शिकायत|पहचान|क्या है|क्या होता|सजा|कानून"
)

SELF_HARM = regex.compile(
    r"\b(?:kill myself|end my life|end it all|suicid\w*|want to die|wanna die|self[- ]harm|hurt myself|no reason to live"
    r"|marna chaha?t[ai]|mar jaa?na chaha?t[ai]|jaan de (?:du|doon|dunga|dungi)|khud ?kushi|aatma ?hatya)\b"
    r"|आत्महत्या|ख़ुदकुशी|खुदकुशी|मरना चाहता|मरना चाहती|जान दे दूं|जान दे दूँगा|जीना नहीं चाहता",
    _I,
)
ABUSE = regex.compile(
    r"\b(?:f+u+c+k+\w*|shit\w*|bastard|idiot|stupid bot|useless bot|bitch\w*|chutiy\w*|madarchod|bh?enchod|bc|mc|harami"
    r"|kamine?|kutt?[ae]|saa?l[ae] kutt?[ae])\b|चूतिया|मादरचोद|बहनचोद|हरामी|कमीने|कुत्ते",
    _I,
)

# --- scope: the finance vocabulary (the classifier and retrieval widen it) ----------------------
FINANCE = regex.compile(
    r"\b(?:money|rupees?|rs\.?|inr|lakhs?|lacs?|crores?|salary|salaries|income|tax\w*|itr|tds|gst|80c\w*|80d|hra|regime|"
    r"invest\w*|sips?|mutual funds?|mf|elss|equity|shares?|stocks?|index funds?|etfs?|gold|sgb|bonds?|fds?|fixed deposits?|"
    r"rds?|deposits?|savings?|save|saving|ppf|epf|pf|nps|pension|retire\w*|insurance|term plan|premiums?|loans?|emis?|"
    r"mortgage|home loan|credit(?: cards?| score)?|cibil|debts?|interest|bank\w*|upi|neft|rtgs|imps|accounts?|kyc|budget\w*|"
    r"spend\w*|expenses?|afford|emergency fund|inflation|portfolio|returns?|nominees?|(?:make|write) a will|wealth|"
    r"finance|financial|provident|funds?|schemes?|yojana|sukanya|cover|policy|policies|invoices?|gstr\w*|itc|"
    r"e-way|capital gains?|dividends?|nav|rent|property|cheques?|atm|cards?|wallet|lic|mediclaim|crypto\w*|"
    r"statements?|form ?16a?|26as|ais|assessment|deductions?|exemptions?|depreciation|refunds?|demat|trading|"
    r"pan|pan card|aadhaa?r|ifsc|link\w*|cash|education|rebalanc\w*|asset allocation|buy now pay later|bnpl|remittances?|lrs|tcs|sebi|rbi|brokers?|mandates?|"
    r"auto ?debit|house|home|gifts?|15g|15h|ponzi|debit|laundering|ghar|naqad|nakad|"
    r"fraud\w*|scams?|scammers?|phishing|cyber ?crime|otp|cheat\w*|hack\w*|payment|paisa|paise|paisaa?|kharch\w*|bachat|bachan[ae]|bacha\w*|nivesh|kamai|kamaai|aamdani|karz\w*|"
    r"udhaa?r|byaa?j|vyaj|kist|kisht|tankhw?ah|beema|bima|khata|khaata|jama|munafa|rupay[ea]|naukri|pagaar|"
    r"sona|chandi|ghar ka loan|kiraya|kiraaya)\b"
    r"|₹|पैस|रुपय|रुपए|रुपये|लाख|करोड़|वेतन|तनख्वाह|सैलरी|बचत|बचा|निवेश|टैक्स|आयकर|कर्ज|कर्ज़|लोन|ब्याज|किस्त|ईएमआई|"
    r"बीमा|बैंक|खाता|खाते|जमा|म्यूचुअल|म्युचुअल|फंड|शेयर|स्टॉक|एसआईपी|सोना|सोने|पेंशन|रिटायर|बजट|खर्च|आमदनी|आय|"
    r"कमाई|क्रेडिट|सिबिल|यूपीआई|धोखाधड़ी|फ्रॉड|पीपीएफ|एफडी|योजना|सुकन्या|किराया|संपत्ति|प्रॉपर्टी|पॉलिसी|प्रीमियम|धन|पैसा|दाम|कीमत|सोना|ओटीपी|नकद|कैश|पोंजी|लॉन्ड्रिंग|फिशिंग|कार्ड|डेबिट|घर|धोखा",
    _I,
)

# --- output: promises, tips, products -----------------------------------------------------------
_PROMISE_WORD = words(
    "guarantee[sd]?",
    "guaranteeing",
    "assured?",
    "assures",
    "assuring",
    "promise[sd]?",
    "promising",
    "certain(?:ly)?",
    "sure",
    "surely",
    "definite(?:ly)?",
    "confirmed",
    "100 ?%",
    "pakk[ae]",
    "nishchit",
)
_GAIN = words(
    "returns?",
    "profits?",
    "gains?",
    "income",
    "interest",
    "growth",
    "yield",
    "money back",
    "payouts?",
    "double",
    "triple",
    "multiply",
    "\\d+(?:\\.\\d+)? ?%",
    "\\d+(?:\\.\\d+)? percent",
    "munafa",
    "fayda",
    "faida",
    "kamai",
    "labh",
)
RETURN_PROMISE = _sq(
    "|".join(
        [
            near(_PROMISE_WORD, _GAIN, 40),
            near(_GAIN, _PROMISE_WORD, 30),
            words(
                "sure[- ]?shot",
                "risk[- ]free",
                "no[- ]risk",
                "zero[- ]risk",
                "without (?:any )?risk",
                "can'?t lose",
                "cannot lose",
                "never lose",
                "won'?t lose",
                "will not lose",
                "no chance of (?:a )?loss",
                "safe bet",
                "no downside",
                "bound to (?:rise|grow|go up|double|give)",
                "easy money",
                "get rich quick",
            ),
            r"\bwill (?:definitely |surely |certainly |always |easily |for sure )?(?:double|triple|multiply|grow \d|give (?:you )?\d|"
            r"deliver \d|earn (?:you )?\d|fetch (?:you )?\d|return \d|beat (?:the )?(?:market|fd|inflation))",
            r"\b(?:double|triple)s? your money\b|\b\d+(?:\.\d+)? ?(?:%|percent) (?:every|each|per) (?:year|month|annum)\b[^.!?\n]{0,30}\b(?:for sure|guarant|assur|fix)",
            # Hinglish
            near(
                words("paisa", "paise", "rakam", "investment", "nivesh"),
                words("double", "dugna", "dogun\\w*", "teen guna", "tigun\\w*"),
                30,
            )
            + _NEAR % 20
            + words("ho ja\\w*", "hoga", "hogi", "honge", "bane\\w*", "karega", "kar dega", "milega"),
            words(
                "koi risk nahi",
                "risk nahi hai",
                "zero risk",
                "nuksaa?n nahi\\w*",
                "loss nahi\\w*",
                "ghata nahi\\w*",
                "pakka munafa",
                "pakka profit",
                "pakka return",
            ),
            near(
                words("return", "munafa", "profit", "fayda", "faida", "kamai"),
                words("pakk[ae]", "guarante\\w*", "fix", "nishchit", "zaroor"),
                30,
            )
            + _NEAR % 20
            + words("mile\\w*", "hai", "hoga", "hogi", "dega", "degi"),
            # Hindi
            near(
                "गारंटी|गारंटीड|गारंटीशुदा|पक्का|पक्की|निश्चित|सुनिश्चित|तय", "रिटर्न|मुनाफ|लाभ|फायदा|फ़ायदा|कमाई|ब्याज|प्रतिशत|%", 30
            ),
            near("रिटर्न|मुनाफ|लाभ|फायदा|कमाई", "गारंटी|पक्का|पक्की|निश्चित|तय", 30),
            near("पैसा|पैसे|रकम|निवेश", "दोगुना|दुगना|तिगुना|दोगुने", 30),
            r"कोई जोखिम नहीं|जोखिम-मुक्त|जोखिम मुक्त|नुकसान नहीं होगा|घाटा नहीं होगा",
        ]
    )
)
# statements that name a promise only to deny or warn about it; cut out before RETURN_PROMISE looks
SAFE_DENIAL = _sq(
    "|".join(
        [
            r"\b(?:no|none of the|not any|not a single) (?:one|body|investment|fund|scheme|product|adviser|advisor|"
            r"market[- ]linked (?:investment|product|scheme)|mutual fund|equity (?:fund|investment)|stock|share|app|agent|"
            r"bank|company|platform|person)s? (?:can|could|will|should|may|is able to) (?:honestly |legally |ever )?"
            r"(?:guarantee|promise|assure|be sure of|be certain of)",
            r"\b(?:nobody|no one|noone) (?:can|could|will) (?:honestly |legally |ever )?(?:guarantee|promise|assure|predict)",
            r"\b(?:returns?|gains?|profits?|it|they|these|this|that|nav|performance|past performance|growth)\b[^.!?\n,;]{0,20}"
            r"\b(?:are|is|were|was|can be|will be|may be)? ?(?:not|never|n'?t) (?:be )?(?:guaranteed|assured|certain|promised|sure)",
            r"\b(?:cannot|can'?t|can not|never) be (?:guaranteed|assured|promised)",
            r"\bno (?:such thing as )?(?:guaranteed|assured|sure[- ]?shot|risk[- ]free|certain) (?:returns?|profits?|gains?|income)",
            r"\bno guarantee(?:s)?\b(?: (?:of|on|for|that) [^.!?\n,;]{0,30})?",
            r"\bwithout (?:any )?guarantee\w*",
            r"\b(?:beware of|be wary of|be careful of|avoid|stay away from|don'?t trust|never trust|report|ignore) "
            r"(?:anyone|anybody|people|schemes?|apps?|agents?|advisers?|advisors?|offers?|those|calls?|messages?|tips?|"
            r"websites?|groups?|companies|platforms?|someone|a scheme|an app|an agent)[^.!?\n]{0,15}? "
            r"(?:promising|offering|that (?:promise|promises|offer|offers|claim|claims)|who (?:promise|promises|offer|offers|claim|claims)|"
            r"claiming|with)[^.!?\n,;]{0,40}",
            r"\b(?:promises?|claims?|offers?) of (?:guaranteed|assured|sure[- ]?shot|risk[- ]free|double|high) [^.!?\n,;]{0,30}?"
            r"(?:are|is) (?:a )?(?:red flag|scam|fraud|warning sign|sign of (?:a )?(?:fraud|scam))",
            r"\b(?:anyone|anybody|someone|a scheme|an app|schemes|apps|agents|people) (?:promising|offering|who promises?|that promises?|"
            r"claiming)[^.!?\n,;]{0,50}?\b(?:is|are) (?:likely |probably |almost certainly )?(?:a |an )?(?:scam|fraud|lying|red flag|ponzi)",
            r"\bguarant\w* (?:returns?|profits?)? ?(?:is|are) (?:a )?(?:red flag|scam|fraud|warning sign)",
            r"\bkoi (?:bhi )?guarantee nahi\w*|\bguarantee nahi\w*|\bpakka nahi\w*|\bguarantee (?:koi )?nahi de (?:sakta|sakti|sakte)\w*",
            r"कोई गारंटी नहीं|गारंटी नहीं|गारंटी नहीं दे सकता|पक्का नहीं",
        ]
    )
)
# Stocks by name (lower case and Devanagari too): the index's large caps and the names people ask about
STOCK_NAMES = (
    r"reliance(?: industries)?|tcs|tata consultancy|infosys|infy|wipro|hcl ?tech|tech mahindra|hdfc bank|icici bank|"
    r"sbi|state bank|kotak(?: mahindra)? bank|axis bank|indusind|yes bank|bajaj finance|bajaj finserv|bajaj auto|"
    r"tata motors|tata steel|tata power|tata elxsi|adani(?: \w+)?|itc|hul|hindustan unilever|asian paints|maruti(?: suzuki)?|"
    r"mahindra|m&m|l&t|larsen(?: & toubro)?|sun pharma|cipla|dr reddy'?s?|bharti airtel|airtel|vodafone idea|ongc|ntpc|coal india|"
    r"power grid|zomato|swiggy|paytm|nykaa|irctc|irfc|rvnl|bhel|suzlon|vedanta|jio financial|titan|nestle|"
    r"ultratech|dmart|avenue supermarts|policybazaar|ola electric|hindalco|jsw steel|grasim|britannia|eicher|hero motocorp|"
    r"tvs motor|dabur|pidilite|dixon|trent|lic shares?|bse ltd|cdsl|mazagon dock|cochin shipyard|"
    r"रिलायंस|टाटा मोटर्स|टाटा स्टील|इंफोसिस|इन्फोसिस|टीसीएस|अडानी|एचडीएफसी बैंक|आईसीआईसीआई बैंक|एसबीआई|विप्रो|ज़ोमैटो|ज़ोमाटो|जोमैटो|"
    r"पेटीएम|आईआरसीटीसी|यस बैंक|सुजलॉन|आईटीसी"
)
_AMC = (
    r"sbi|hdfc|icici(?: prudential| pru)?|axis|nippon(?: india)?|kotak|parag parikh|ppfas|mirae(?: asset)?|quant|uti|tata|"
    r"aditya birla(?: sun life)?|absl|dsp|franklin(?: templeton)?|motilal oswal|canara robeco|edelweiss|invesco|bandhan|hsbc|"
    r"pgim|sundaram|baroda bnp(?: paribas)?|mahindra manulife|navi|whiteoak|bajaj finserv|lic mf|quantum|jm|union|360 one|"
    r"groww|zerodha|helios|samco|old bridge"
)
_NAMED_FUND = r"\b(?:" + _AMC + r")\b(?: [\w&]+){0,4}? (?:fund|scheme|plan|etf|fof)\b"
_BUY = words(
    "buy",
    "buying",
    "sell",
    "selling",
    "accumulate",
    "short",
    "exit",
    "dump",
    "book profits? in",
    "load up on",
    "go long on",
    "add",
    "pick",
    "grab",
    "invest in",
    "investing in",
    "put (?:all )?(?:your |my )?(?:money|savings|funds?|cash) (?:in|into)",
    "bet on",
    "switch to",
    "switch into",
    "hold on to",
    "start (?:a |an |your )?sips? in",
    "go for",
    "choose",
    "opt for",
    "kh?a+r[ie]+d\\w*",
    "bech\\w*",
    "le lo",
    "lelo",
)
_GENERIC = (
    r"(?:(?:some|more|the|a|an|good|quality|blue|chip|bluechip|large|mid|small|micro|cap|dividend|growth|value|bank|banking|"
    r"it|pharma|psu|these|those|such|individual|direct|any|few|all|your|my|their|different|diversified|index|listed|indian|"
    r"us|foreign|international|global|sector|sectoral|thematic|top|best|safe|stable|strong|fundamentally|sound|cheap|"
    r"defensive|fmcg|auto|energy|gold|silver|debt|equity|liquid|hybrid|these|own|company|companies|other|single|many|of|in|"
    r"penny|new|popular|trending|hot|losing|loss[- ]making|winning|existing|old|underperforming|overvalued|"
    r"undervalued|dividend[- ]paying|long[- ]term|short[- ]term|and|or|hold|to|for|with|on|that|which|unlisted|risky)\s+)*"
)
STOCK_TIP = _sq(
    "|".join(
        [
            _BUY
            + r"\s+(?:some |more |the |a few )?(?!"
            + _GENERIC
            + r"(?:shares?|stocks?|scrips?)\b)(?:[\w&.'\-]+\s+){1,4}?(?:shares?|stocks?|scrips?)\b",
            _BUY
            + r"\s+(?:some |more |the )?(?:shares?|stocks?|scrips?) (?:of|in) (?!"
            + _GENERIC
            + r"(?:companies|company|firms?)\b)[\w&.'\-]+",
            _BUY
            + r"\s+(?:some |more |the )?(?:shares? of |stocks? of )?\b(?:"
            + STOCK_NAMES
            + r")\b(?! (?:policy|policies|term|fd|account|card|bank account|savings|credit card|loan|insurance))",
            r"\b(?:"
            + STOCK_NAMES
            + r")\b(?: (?:shares?|stocks?|scrips?))?\s+(?:will|is going to|are going to|should|could|can|may|is set to|is about to|must)\s+"
            r"(?:\w+\s+)?(?:rise|go up|double|triple|rally|jump|surge|zoom|fly|skyrocket|moon|touch|hit|cross|reach|give|deliver|outperform|beat|multiply|boom)",
            r"(?<!\bno |\bnot |\bany )\b(?:shares?|stocks?|scrips?) (?:of )?[\w&.'\-]+ (?:will|is going to|should) (?:double|triple|rally|skyrocket|zoom|surge|multiply)",
            r"\b(?:target price|stop[- ]?loss|multibaggers?|multi-baggers?|intraday (?:calls?|tips?)|penny stocks? to buy|buy calls?|sell calls?|"
            r"strong buy|top picks?|stock tips?|hot tips?|jackpot stock)\b",
            (_BUY + r"\s+(?:the |an? )?" + _NAMED_FUND.removeprefix(r"\b")),
            _NAMED_FUND
            + r"[^.!?\n]{0,30}\b(?:is|are) (?:the |a |an )?(?:best|top|great|perfect|ideal|right|must[- ]have|good) (?:pick|choice|buy|bet|option|fund|investment)",
            r"\b(?:"
            + STOCK_NAMES
            + r")\b[^.!?\n]{0,20}\b(?:is|are) (?:the |a |an )?(?:best|top|great|perfect|must[- ]have|good) (?:pick|buy|bet|stock|share|investment)",
            # Hinglish: "Reliance ke shares kharid lo", "TCS abhi kharido", "ye share double hoga", "X fund mein paisa lagao"
            r"\b(?:"
            + STOCK_NAMES
            + r")\b(?: ke| ka| ki)?(?: shares?| stocks?)?[^.!?\n]{0,20}\b(?:kh?a+r[ie]+d\w*|bech\w*|le lo|lelo|buy kar\w*|sell kar\w*|mein paisa laga\w*|me paisa laga\w*|mein invest kar\w*|me invest kar\w*)",
            r"\b(?!(?:acch?e|ach?ha|sahi|kuch|in|un|bank|sarkari|koi|kisi|bade|chh?ote)\b)[\w&]+ (?:ke|ka|ki) (?:shares?|stocks?) (?:abhi )?(?:kh?a+r[ie]+d\w*|bech\w*|le lo|lelo|buy kar\w*)",
            r"\b(?:ye|yeh|is|iss) (?:share|stock|scrip)\b[^.!?\n]{0,20}\b(?:double|dugna|dogun\w*|teen guna|upar ja\w*|rocket)",
            _NAMED_FUND
            + r"[^.!?\n]{0,20}\b(?:mein|me|mai) (?:paisa |sip |invest\w* )?(?:laga\w*|kar\w*|daa?l\w*|shuru kar\w*)",
            # Hindi
            r"(?:" + STOCK_NAMES + r")[^.!?\n।]{0,25}(?:खरीद|बेच|ले लो|ले लें|पैसा लगा|निवेश कर)",
            r"(?!(?:अच्छे|सही|कुछ|इन|उन|बैंक|सरकारी|किसी|बड़े|छोटे)\s)\p{Devanagari}+ के (?:शेयर|स्टॉक) (?:अभी )?(?:खरीद|बेच|ले)",
            r"(?:यह|ये|इस) (?:शेयर|स्टॉक)[^.!?\n।]{0,20}(?:दोगुना|तिगुना|ऊपर जाएगा|बढ़ेगा|चढ़ेगा)",
            r"टारगेट प्राइस|स्टॉप लॉस|मल्टीबैगर",
        ]
    )
)
PRODUCTS = regex.compile(
    r"\b(?:mutual funds?|sips?|elss|equity|equities|shares?|stocks?|index funds?|etfs?|nps|bonds?|sgb|sovereign gold|"
    r"portfolio|debt funds?|liquid funds?|hybrid funds?|flexi ?caps?|small ?caps?|mid ?caps?|large ?caps?|multi ?caps?|"
    r"demat|crypto\w*|reits?|invits?|ulips?|pms|aif|f&o|futures|options trading|nav)\b"
    r"|म्यूचुअल|म्युचुअल|शेयर|स्टॉक|एसआईपी|इक्विटी|बॉन्ड|एनपीएस|ईटीएफ|इंडेक्स फंड|डीमैट|क्रिप्टो|"
    + STOCK_NAMES.replace("|", r"\b|\b").join([r"\b", r"\b"]),
    _I,
)
# What a question may not carry: the prompt's own structure (prompt.py) or an imitation of it.
# Blocks: a numbered source with its quoted text, a tagged part. Lines: a section header with
# what follows it on the line (up to a "Question:" label). Marks: labels, delimiters, [n].
FORGED_BLOCK = regex.compile(
    r"\[\s*\d+\s*\][^\n]*?(?:\n\s*)?<<<.*?(?:>>>|$)"
    r"|<\s*(sources?|user_facts|user|context|system|instructions?)\b[^>]*>.*?(?:<\s*/\s*\1\b[^>]*>|$)"
    r"|>>>.*?<<<.*?(?:>>>|$)",
    regex.DOTALL | regex.IGNORECASE,
)
FORGED_LINE = regex.compile(
    r"(?im)^[ \t]*(?:#+[ \t]*)?(?:about the user|user context|user profile|user facts|user_facts|context|sources?|source \d+|"
    r"system|assistant|instructions?|answer|model)\b[^\n:]{0,60}:[^\n]*?(?=\bquestion\s*:|[.!?](?:\s|$)|$)"
)
FORGED_MARK = regex.compile(
    r"(?i)\bquestion\s*:|<<<|>>>|<\s*/?\s*(?:question|sources?|user_facts|context|system)\b[^>]*>|\[\s*\d+\s*\]"
    r"|\[/?(?:source|question|context)[^\]]*\]"
)
