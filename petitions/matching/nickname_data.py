"""Which given name a nickname stands for, when the `nicknames` package offers several.

The `nicknames` package (a maintained list of English given-name diminutives)
answers "are these two names related?", which is what matching needs. It does
not say which form is *the* given name: its relations run both ways ("bob has
nickname robert") and a nickname often has several formal names ("bill":
robert, will, william, willis). Linking two signatures of one unregistered
person needs one canonical form per name, so a choice has to be made.

The choice prefers, among the candidates the package offers, the formal name
that shares the most nicknames with the written one (bill: william shares
billy, will, willie; robert shares only billy), then the more common given
name. COMMON_GIVEN_NAMES ranks common formal given names of California voters
(United States usage, Spanish and English), most common first; it decides
only between candidates the package already relates, and a ranked name is
always its own canonical form.
"""

COMMON_GIVEN_NAMES: tuple[str, ...] = (
    "james", "robert", "john", "michael", "william", "david", "richard", "joseph", "thomas", "charles",
    "mary", "patricia", "jennifer", "linda", "elizabeth", "barbara", "susan", "jessica", "sarah", "karen",
    "christopher", "daniel", "matthew", "anthony", "mark", "donald", "steven", "paul", "andrew", "joshua",
    "nancy", "lisa", "margaret", "betty", "sandra", "ashley", "dorothy", "kimberly", "emily", "donna",
    "kenneth", "kevin", "brian", "george", "timothy", "ronald", "edward", "jason", "jeffrey", "ryan",
    "michelle", "carol", "amanda", "melissa", "deborah", "stephanie", "rebecca", "sharon", "laura", "cynthia",
    "jacob", "gary", "nicholas", "eric", "jonathan", "stephen", "larry", "justin", "scott", "brandon",
    "kathleen", "amy", "angela", "shirley", "anna", "brenda", "pamela", "emma", "nicole", "helen",
    "benjamin", "samuel", "gregory", "alexander", "frank", "patrick", "raymond", "dennis", "jerry",
    "samantha", "katherine", "christine", "debra", "rachel", "carolyn", "janet", "catherine", "maria", "heather",
    "tyler", "aaron", "jose", "adam", "nathan", "henry", "douglas", "zachary", "peter", "kyle",
    "diane", "ruth", "julie", "olivia", "joyce", "virginia", "victoria", "kelly", "lauren", "christina",
    "ethan", "walter", "noah", "jeremy", "christian", "keith", "roger", "terry", "gerald", "harold",
    "joan", "evelyn", "judith", "megan", "andrea", "cheryl", "hannah", "jacqueline", "martha", "gloria",
    "sean", "austin", "carl", "arthur", "lawrence", "dylan", "jesse", "jordan", "bryan", "billy",
    "teresa", "ann", "sara", "madison", "frances", "kathryn", "janice", "jean", "abigail", "alice",
    "bruce", "gabriel", "logan", "albert", "alan", "juan", "wayne", "elijah",
    "judy", "sophia", "grace", "denise", "amber", "doris", "marilyn", "danielle", "beverly", "isabella",
    "randy", "vincent", "ralph", "eugene", "russell", "mason", "philip", "louis", "harry",
    "theresa", "diana", "natalie", "brittany", "charlotte", "marie", "kayla", "alexis", "lori", "rose",
    "carlos", "luis", "jorge", "miguel", "francisco", "jesus", "alejandro", "ricardo", "eduardo", "fernando",
    "sergio", "raul", "oscar", "javier", "manuel", "antonio", "roberto", "pedro", "rafael", "victor",
    "guadalupe", "rosa", "ana", "carmen", "veronica", "leticia", "gabriela", "adriana", "monica", "elena",
    "frederick", "francis", "edwin", "theodore", "herbert", "leonard", "bernard", "clarence", "howard", "eugenia",
    "alexandra", "josephine", "margarita", "cathleen", "susanna", "deanna", "rachael", "jeanette",
)

# Diminutives the package relates to several formal names, resolved to the one
# United States usage means most often (the others still match as relatives).
PREFERRED_FORMAL: dict[str, str] = {
    "KATHY": "KATHERINE", "KATIE": "KATHERINE", "KATE": "KATHERINE", "KAT": "KATHERINE", "CATHY": "CATHERINE",
    "CHRIS": "CHRISTOPHER", "STEVE": "STEVEN", "ANDY": "ANDREW", "FRED": "FREDERICK", "FREDDY": "FREDERICK",
    "MEG": "MARGARET", "PEG": "MARGARET", "PEGGY": "MARGARET", "MAGGIE": "MARGARET", "POLLY": "MARY",
    "MOLLY": "MARY", "TINA": "CHRISTINA", "NATE": "NATHAN", "SUE": "SUSAN", "SUZY": "SUSAN", "SUZIE": "SUSAN",
    "BARB": "BARBARA", "BARBIE": "BARBARA", "TONY": "ANTHONY", "MIKE": "MICHAEL", "MIKEY": "MICHAEL",
    "DAN": "DANIEL", "DANNY": "DANIEL", "SAM": "SAMUEL", "SAMMY": "SAMUEL", "TOM": "THOMAS", "TOMMY": "THOMAS",
    "NICK": "NICHOLAS", "RON": "RONALD", "RONNIE": "RONALD", "DON": "DONALD", "DONNIE": "DONALD",
    "KEN": "KENNETH", "KENNY": "KENNETH", "ALEX": "ALEXANDER", "SANDY": "SANDRA", "PAT": "PATRICIA",
    "JACK": "JOHN", "JOHNNY": "JOHN", "DICK": "RICHARD", "RICK": "RICHARD", "RICKY": "RICHARD",
    "ZACH": "ZACHARY", "ZACK": "ZACHARY", "JESS": "JESSICA", "JESSIE": "JESSICA", "BETTY": "ELIZABETH",
    "BETH": "ELIZABETH", "LIZ": "ELIZABETH", "LIZZIE": "ELIZABETH", "ABBY": "ABIGAIL", "CINDY": "CYNTHIA",
    "ANGIE": "ANGELA", "MANDY": "AMANDA", "VINCE": "VINCENT", "PHIL": "PHILIP", "LARRY": "LAWRENCE",
    "TERRY": "THERESA", "HANK": "HENRY", "TED": "EDWARD", "ED": "EDWARD", "EDDIE": "EDWARD",
    "BILL": "WILLIAM", "BILLY": "WILLIAM", "WILL": "WILLIAM", "WILLIE": "WILLIAM", "BOB": "ROBERT",
    "BOBBY": "ROBERT", "ROB": "ROBERT", "ROBBIE": "ROBERT", "JIM": "JAMES", "JIMMY": "JAMES", "JAMIE": "JAMES",
    "JOE": "JOSEPH", "JOEY": "JOSEPH", "DAVE": "DAVID", "CHUCK": "CHARLES", "CHARLIE": "CHARLES",
    "MATT": "MATTHEW", "JEFF": "JEFFREY", "GREG": "GREGORY", "BEN": "BENJAMIN", "TIM": "TIMOTHY",
    "JOSH": "JOSHUA", "JEN": "JENNIFER", "JENNY": "JENNIFER", "DEBBIE": "DEBORAH", "DEB": "DEBORAH",
    "VICKY": "VICTORIA", "VICKI": "VICTORIA", "PEPE": "JOSE", "PACO": "FRANCISCO", "PANCHO": "FRANCISCO",
    "LUPE": "GUADALUPE", "CHUY": "JESUS", "MEMO": "GUILLERMO", "BETO": "ALBERTO", "LALO": "EDUARDO",
    "NACHO": "IGNACIO", "CHEPE": "JOSE", "QUIQUE": "ENRIQUE", "TOÑO": "ANTONIO", "TONO": "ANTONIO",
}

# Diminutives common in California that the package (English usage) lacks:
# formal given name -> its nicknames. They count as related names in matching.
EXTRA_NICKNAMES: dict[str, tuple[str, ...]] = {
    "ALEJANDRO": ("ALEX", "ALE"), "ALEJANDRA": ("ALEX", "ALE"), "ROBERTO": ("BETO", "ROBERT", "BOB"),
    "ALBERTO": ("BETO", "AL"), "HUMBERTO": ("BETO",), "FRANCISCO": ("PANCHO", "PACO", "FRANK", "FRANCIS"),
    "FRANCISCA": ("PACA", "PAQUITA", "FRANCES"), "JOSE": ("PEPE", "CHEPE", "JOE", "JOSEPH"),
    "GUADALUPE": ("LUPE", "LUPITA"), "JESUS": ("CHUY", "CHUCHO"), "GUILLERMO": ("MEMO", "WILLIAM", "WILL"),
    "IGNACIO": ("NACHO",), "EDUARDO": ("LALO", "EDDIE", "ED", "EDWARD"), "RAFAEL": ("RAFA", "RALPH"),
    "TERESA": ("TERE", "TERRY"), "MANUEL": ("MANNY", "MANOLO"), "ENRIQUE": ("QUIQUE", "KIKE", "HENRY"),
    "ANTONIO": ("TONO", "TONY", "TONIO"), "SALVADOR": ("CHAVA", "CHAVO", "SAL"), "CONSUELO": ("CHELO",),
    "ROSARIO": ("CHAYO",), "CONCEPCION": ("CONCHA", "CONCHITA"), "DOLORES": ("LOLA", "LOLITA"),
    "LUIS": ("LUCHO", "LOUIS"), "FERNANDO": ("NANDO", "FER"), "RICARDO": ("RICKY", "RICK", "RICHARD"),
    "MIGUEL": ("MIKE", "MICHAEL"), "JAVIER": ("JAVI",), "DANIELA": ("DANI",), "GABRIELA": ("GABY", "GABI"),
    "VERONICA": ("VERO", "RONNIE"), "ADRIANA": ("ADRI",), "MONICA": ("MONI",), "JUAN": ("JOHN", "JUANITO"),
    "PEDRO": ("PETER",), "CARLOS": ("CHARLES", "CHARLIE"), "ELIZABETH": ("ELIZA", "ISABEL"),
    "CATHERINE": ("KATE", "KATIE", "KATHY", "KATHIE", "CATHIE"), "KATHLEEN": ("KATE", "KATHY", "KATIE", "KATHIE"),
    "KATHERINE": ("KATHIE", "KATHI"),
    "CHRISTINA": ("CHRIS", "TINA", "KRISTINA"), "CHRISTOPHER": ("CHRIS", "TOPHER"),
}

# Further given names common among California voters, beyond the package's
# (English) list: a written name that is itself a known given name, close to
# but not the registered one (Marta / Maria, Sandra / Sarah), may be another
# person of the household rather than a typo, so a person decides.
KNOWN_GIVEN_NAMES: tuple[str, ...] = (
    "marta", "mario", "maria", "mariana", "marisol", "maribel", "maricela", "marcela", "marco", "marcos",
    "josefina", "josue", "jose", "juana", "juanita", "julio", "julia", "julian", "juliana", "lucia", "luz",
    "daniela", "gabriel", "gabriela", "alejandra", "andrea", "andres", "angel", "angelica", "araceli", "arturo",
    "blanca", "brenda", "cesar", "claudia", "cristina", "cristian", "diego", "elena", "elsa", "emilio", "enrique",
    "erika", "ernesto", "esperanza", "esteban", "fabiola", "felipe", "gerardo", "gloria", "graciela", "hector",
    "hugo", "irma", "isabel", "ivan", "jaime", "jorge", "karina", "laura", "leticia", "lorena", "lourdes",
    "luisa", "marisa", "martin", "mateo", "nancy", "norma", "octavio", "olga", "pablo", "patricia", "paola",
    "ramon", "raquel", "rebeca", "reyna", "rocio", "rodrigo", "rogelio", "ruben", "sandra", "santiago", "silvia",
    "sofia", "susana", "tomas", "valeria", "vanessa", "yesenia", "yolanda", "ximena", "chelsea", "mariam",
    "miriam", "anh", "bao", "duc", "hoa", "hung", "huong", "lan", "linh", "mai", "minh", "nam", "ngoc", "phuong",
    "quang", "thanh", "thao", "thuy", "trang", "tuan", "wei", "ying", "yan", "jun", "jin", "li", "ming", "hui",
    "priya", "raj", "ravi", "sanjay", "sunil", "anil", "deepak", "amit", "neha", "pooja", "harpreet", "gurpreet",
    "jasmine", "kiana", "tayla", "mason", "liam", "noah", "aiden", "jayden", "brayden", "kayden", "madison",
)
