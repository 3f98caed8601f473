"""Make N synthetic short consultation responses in the six UN languages, seeded.

Responses are assembled from original phrase banks (written for this benchmark) about a few
digital-development topics, so they have themes to discover and codes to find. Planted on top:
exact copies (some with case or spacing changes), near copies (a word changed, a signature added,
sentences reordered) and campaigns (a shared template, with or without a personal addition).

    python bench/generate_responses.py 100000 --seed 0 --out bench/out/responses_100k.jsonl \
        [--truth bench/out/responses_100k.truth.jsonl]

Each line: {"id", "text", "language", "meta": {"stakeholder_type", "region", "question"}}.
The truth file says for each planted copy which original or campaign it belongs to.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys

LANG_SHARE = {"en": 0.40, "fr": 0.15, "es": 0.15, "ar": 0.10, "zh": 0.10, "ru": 0.10}
STAKEHOLDERS = (
    "government",
    "private_sector",
    "civil_society",
    "academia",
    "technical_community",
    "international_organisation",
)
REGIONS = ("africa", "americas", "arab_states", "asia_pacific", "cis", "europe")
QUESTIONS = ("q1_achievements", "q2_challenges", "q3_priorities")

# Per language: openers, topic phrases (topic -> phrases), groups, qualifiers, signatures, and
# how sentences are joined.
BANK: dict[str, dict] = {
    "en": {
        "open": [
            "In our view",
            "We believe that",
            "From our experience",
            "It is clear that",
            "Our organisation thinks that",
            "Frankly",
            "As a community network",
            "Looking ahead",
        ],
        "topics": {
            "infrastructure": [
                "affordable broadband must reach rural villages",
                "fibre backbones and mobile towers are still missing in remote areas",
                "satellite links could close the last-mile connectivity gap",
                "shared infrastructure lowers the cost of network rollout",
            ],
            "skills": [
                "digital skills training for teachers should be expanded",
                "young people need coding courses and digital literacy",
                "capacity building for public servants is a priority",
                "libraries can offer free training in basic computer use",
            ],
            "security": [
                "cyber attacks on hospitals and banks are growing",
                "national incident response teams need more staff",
                "online fraud and ransomware threaten small businesses",
                "trust in online services depends on strong data protection",
            ],
            "ai": [
                "artificial intelligence should be governed by clear ethical rules",
                "AI tools can help farmers predict harvests",
                "algorithms used by governments must be transparent",
                "machine learning needs local data and local languages",
            ],
            "inclusion": [
                "women and girls still face a large digital divide",
                "persons with disabilities need accessible websites",
                "content in local languages remains scarce online",
                "older people are left behind by online public services",
            ],
            "funding": [
                "universal service funds are not spent where they are needed",
                "donors should finance long-term digital projects",
                "small operators cannot access investment capital",
                "public budgets for e-government are too small",
            ],
        },
        "group": [
            "for farmers",
            "for schools",
            "for small businesses",
            "in least developed countries",
            "for local governments",
            "in coastal towns",
            "for health workers",
            "in our province",
        ],
        "qual": [
            "and this should be a priority for the next decade",
            "which requires stronger cooperation between stakeholders",
            "as several pilots have shown",
            "although progress has been uneven",
            "and the WSIS framework remains useful here",
            "so targets and indicators are needed",
            "while costs keep rising",
            "before the next review",
        ],
        "stat": [
            "about {p} percent of households are affected",
            "we counted {p} sites in {y}",
            "since {y} only {p} percent improved",
        ],
        "sign": ["Best regards, Maria", "Kind regards, the team", "Thank you. John K."],
        "campaign": [
            "We, the undersigned members of the coalition, call on all governments to guarantee "
            "meaningful connectivity for every school and clinic by 2030, to protect human rights "
            "online, and to fund community networks that serve the people left behind.",
            "As members of the national teachers union we ask that digital skills become part of "
            "every school curriculum, that every teacher receives paid training time, and that "
            "devices are provided to pupils from low-income families.",
        ],
        "personal": [
            "In my village the nearest internet access is twenty kilometres away.",
            "I teach in a rural school and see this every day.",
            "Please listen to the communities.",
        ],
        "join": " ",
        "end": ".",
    },
    "fr": {
        "open": [
            "À notre avis,",
            "Nous pensons que",
            "Selon notre expérience,",
            "Il est clair que",
            "Notre organisation estime que",
            "Franchement,",
            "En tant que réseau communautaire,",
            "Pour l'avenir,",
        ],
        "topics": {
            "infrastructure": [
                "le haut débit abordable doit atteindre les villages ruraux",
                "les réseaux de fibre et les antennes mobiles manquent encore dans les zones reculées",
                "les liaisons par satellite pourraient combler le dernier kilomètre",
                "le partage des infrastructures réduit le coût du déploiement des réseaux",
            ],
            "skills": [
                "la formation aux compétences numériques des enseignants doit être élargie",
                "les jeunes ont besoin de cours de programmation et d'éducation numérique",
                "le renforcement des capacités des fonctionnaires est une priorité",
                "les bibliothèques peuvent offrir une formation gratuite à l'informatique",
            ],
            "security": [
                "les cyberattaques contre les hôpitaux et les banques augmentent",
                "les équipes nationales de réponse aux incidents manquent de personnel",
                "la fraude en ligne et les rançongiciels menacent les petites entreprises",
                "la confiance dans les services en ligne dépend de la protection des données",
            ],
            "ai": [
                "l'intelligence artificielle doit être encadrée par des règles éthiques claires",
                "les outils d'IA peuvent aider les agriculteurs à prévoir les récoltes",
                "les algorithmes utilisés par les administrations doivent être transparents",
                "l'apprentissage automatique a besoin de données et de langues locales",
            ],
            "inclusion": [
                "les femmes et les filles subissent encore une forte fracture numérique",
                "les personnes handicapées ont besoin de sites web accessibles",
                "les contenus en langues locales restent rares en ligne",
                "les personnes âgées sont exclues des services publics en ligne",
            ],
            "funding": [
                "les fonds de service universel ne sont pas dépensés là où il faut",
                "les bailleurs devraient financer des projets numériques à long terme",
                "les petits opérateurs n'ont pas accès au capital d'investissement",
                "les budgets publics pour l'administration en ligne sont trop faibles",
            ],
        },
        "group": [
            "pour les agriculteurs",
            "pour les écoles",
            "pour les petites entreprises",
            "dans les pays les moins avancés",
            "pour les collectivités locales",
            "dans les villes côtières",
            "pour les agents de santé",
            "dans notre province",
        ],
        "qual": [
            "et cela doit être une priorité pour la prochaine décennie",
            "ce qui exige une coopération plus forte entre les parties prenantes",
            "comme plusieurs projets pilotes l'ont montré",
            "même si les progrès restent inégaux",
            "et le cadre du SMSI reste utile",
            "il faut donc des objectifs et des indicateurs",
            "alors que les coûts augmentent",
            "avant le prochain examen",
        ],
        "stat": [
            "environ {p} pour cent des ménages sont concernés",
            "nous avons recensé {p} sites en {y}",
            "depuis {y} seuls {p} pour cent ont progressé",
        ],
        "sign": ["Cordialement, Amélie", "Bien à vous, l'équipe", "Merci. Jean D."],
        "campaign": [
            "Nous, membres soussignés de la coalition, demandons à tous les gouvernements de "
            "garantir une connectivité utile pour chaque école et chaque dispensaire d'ici 2030, "
            "de protéger les droits humains en ligne et de financer les réseaux communautaires.",
        ],
        "personal": [
            "Dans mon village, l'accès à internet le plus proche est à vingt kilomètres.",
            "J'enseigne dans une école rurale et je le constate chaque jour.",
        ],
        "join": " ",
        "end": ".",
    },
    "es": {
        "open": [
            "En nuestra opinión,",
            "Creemos que",
            "Según nuestra experiencia,",
            "Está claro que",
            "Nuestra organización considera que",
            "Sinceramente,",
            "Como red comunitaria,",
            "De cara al futuro,",
        ],
        "topics": {
            "infrastructure": [
                "la banda ancha asequible debe llegar a las aldeas rurales",
                "todavía faltan redes de fibra y antenas móviles en las zonas remotas",
                "los enlaces por satélite podrían cerrar la brecha de la última milla",
                "compartir infraestructura reduce el costo del despliegue de redes",
            ],
            "skills": [
                "hay que ampliar la formación en competencias digitales de los docentes",
                "los jóvenes necesitan cursos de programación y alfabetización digital",
                "el fortalecimiento de capacidades de los funcionarios es una prioridad",
                "las bibliotecas pueden ofrecer formación gratuita en informática básica",
            ],
            "security": [
                "los ciberataques contra hospitales y bancos van en aumento",
                "los equipos nacionales de respuesta a incidentes necesitan más personal",
                "el fraude en línea y el ransomware amenazan a las pequeñas empresas",
                "la confianza en los servicios en línea depende de la protección de datos",
            ],
            "ai": [
                "la inteligencia artificial debe regirse por reglas éticas claras",
                "las herramientas de IA pueden ayudar a los agricultores a prever cosechas",
                "los algoritmos que usan los gobiernos deben ser transparentes",
                "el aprendizaje automático necesita datos locales y lenguas locales",
            ],
            "inclusion": [
                "las mujeres y las niñas todavía sufren una gran brecha digital",
                "las personas con discapacidad necesitan sitios web accesibles",
                "el contenido en lenguas locales sigue siendo escaso en internet",
                "las personas mayores quedan fuera de los servicios públicos en línea",
            ],
            "funding": [
                "los fondos de servicio universal no se gastan donde hacen falta",
                "los donantes deberían financiar proyectos digitales a largo plazo",
                "los pequeños operadores no acceden al capital de inversión",
                "los presupuestos públicos para el gobierno electrónico son muy bajos",
            ],
        },
        "group": [
            "para los agricultores",
            "para las escuelas",
            "para las pequeñas empresas",
            "en los países menos adelantados",
            "para los gobiernos locales",
            "en las ciudades costeras",
            "para el personal sanitario",
            "en nuestra provincia",
        ],
        "qual": [
            "y esto debe ser una prioridad para la próxima década",
            "lo que exige más cooperación entre las partes interesadas",
            "como han demostrado varios proyectos piloto",
            "aunque el progreso ha sido desigual",
            "y el marco de la CMSI sigue siendo útil",
            "por eso se necesitan metas e indicadores",
            "mientras los costos siguen subiendo",
            "antes de la próxima revisión",
        ],
        "stat": [
            "cerca del {p} por ciento de los hogares está afectado",
            "contamos {p} sitios en {y}",
            "desde {y} solo mejoró el {p} por ciento",
        ],
        "sign": ["Saludos cordiales, Lucía", "Atentamente, el equipo", "Gracias. Pedro R."],
        "campaign": [
            "Nosotros, los miembros firmantes de la coalición, pedimos a todos los gobiernos que "
            "garanticen una conectividad significativa para cada escuela y cada centro de salud "
            "antes de 2030 y que financien las redes comunitarias.",
        ],
        "personal": [
            "En mi pueblo el acceso a internet más cercano está a veinte kilómetros.",
            "Soy maestra en una escuela rural y lo veo cada día.",
        ],
        "join": " ",
        "end": ".",
    },
    "ru": {
        "open": [
            "По нашему мнению,",
            "Мы считаем, что",
            "Наш опыт показывает, что",
            "Очевидно, что",
            "Наша организация полагает, что",
            "Откровенно говоря,",
            "Как местная сеть связи, мы видим, что",
            "В перспективе",
        ],
        "topics": {
            "infrastructure": [
                "доступный широкополосный интернет должен прийти в сельские районы",
                "в отдалённых районах всё ещё не хватает оптоволокна и вышек связи",
                "спутниковая связь может решить проблему последней мили",
                "совместное использование инфраструктуры снижает стоимость сетей",
            ],
            "skills": [
                "нужно расширять обучение учителей цифровым навыкам",
                "молодёжи нужны курсы программирования и цифровой грамотности",
                "повышение квалификации государственных служащих является приоритетом",
                "библиотеки могут бесплатно обучать основам работы с компьютером",
            ],
            "security": [
                "число кибератак на больницы и банки растёт",
                "национальным группам реагирования на инциденты не хватает сотрудников",
                "мошенничество в сети и программы-вымогатели угрожают малому бизнесу",
                "доверие к онлайн-услугам зависит от надёжной защиты данных",
            ],
            "ai": [
                "искусственный интеллект должен подчиняться ясным этическим правилам",
                "инструменты ИИ помогают фермерам прогнозировать урожай",
                "алгоритмы, которые используют государственные органы, должны быть прозрачными",
                "машинному обучению нужны местные данные и местные языки",
            ],
            "inclusion": [
                "женщины и девочки по-прежнему сталкиваются с цифровым разрывом",
                "людям с инвалидностью нужны доступные сайты",
                "контента на местных языках в интернете по-прежнему мало",
                "пожилые люди не могут пользоваться электронными госуслугами",
            ],
            "funding": [
                "фонды универсальной услуги тратятся не там, где нужно",
                "донорам следует финансировать долгосрочные цифровые проекты",
                "небольшие операторы не имеют доступа к инвестициям",
                "государственные бюджеты на электронное правительство слишком малы",
            ],
        },
        "group": [
            "для фермеров",
            "для школ",
            "для малого бизнеса",
            "в наименее развитых странах",
            "для местных органов власти",
            "в прибрежных городах",
            "для медицинских работников",
            "в нашей области",
        ],
        "qual": [
            "и это должно стать приоритетом на следующее десятилетие",
            "что требует более тесного сотрудничества всех сторон",
            "как показали несколько пилотных проектов",
            "хотя прогресс неравномерен",
            "и рамки ВВУИО здесь по-прежнему полезны",
            "поэтому нужны цели и показатели",
            "пока расходы продолжают расти",
            "до следующего обзора",
        ],
        "stat": [
            "затронуто около {p} процентов домохозяйств",
            "в {y} году мы насчитали {p} объектов",
            "с {y} года улучшение лишь на {p} процентов",
        ],
        "sign": ["С уважением, Анна", "С уважением, команда проекта", "Спасибо. Иван П."],
        "campaign": [
            "Мы, члены коалиции, подписавшие это обращение, призываем все правительства "
            "обеспечить полноценное подключение каждой школы и каждой больницы к 2030 году и "
            "финансировать местные сети связи.",
        ],
        "personal": ["В нашем посёлке ближайший доступ к интернету в двадцати километрах."],
        "join": " ",
        "end": ".",
    },
    "ar": {
        "open": [
            "في رأينا",
            "نعتقد أن",
            "من واقع تجربتنا",
            "من الواضح أن",
            "ترى منظمتنا أن",
            "بصراحة",
            "بصفتنا شبكة مجتمعية نرى أن",
            "في المستقبل",
        ],
        "topics": {
            "infrastructure": [
                "النطاق العريض الميسور يجب أن يصل إلى القرى الريفية",
                "ما زالت الألياف الضوئية وأبراج الاتصالات غائبة عن المناطق النائية",
                "يمكن للاتصالات الساتلية سد فجوة الميل الأخير",
                "تقاسم البنية التحتية يخفض تكلفة نشر الشبكات",
            ],
            "skills": [
                "يجب توسيع تدريب المعلمين على المهارات الرقمية",
                "يحتاج الشباب إلى دورات في البرمجة والثقافة الرقمية",
                "بناء قدرات الموظفين العموميين أولوية",
                "يمكن للمكتبات أن تقدم تدريبا مجانيا على أساسيات الحاسوب",
            ],
            "security": [
                "الهجمات السيبرانية على المستشفيات والمصارف في تزايد",
                "فرق الاستجابة الوطنية للحوادث تحتاج إلى مزيد من الموظفين",
                "الاحتيال الإلكتروني وبرامج الفدية تهدد الشركات الصغيرة",
                "الثقة في الخدمات الإلكترونية تعتمد على حماية البيانات",
            ],
            "ai": [
                "يجب أن يخضع الذكاء الاصطناعي لقواعد أخلاقية واضحة",
                "أدوات الذكاء الاصطناعي تساعد المزارعين على توقع المحاصيل",
                "الخوارزميات التي تستخدمها الحكومات يجب أن تكون شفافة",
                "التعلم الآلي يحتاج إلى بيانات محلية ولغات محلية",
            ],
            "inclusion": [
                "ما زالت النساء والفتيات يواجهن فجوة رقمية كبيرة",
                "يحتاج الأشخاص ذوو الإعاقة إلى مواقع يسهل الوصول إليها",
                "المحتوى باللغات المحلية ما زال نادرا على الإنترنت",
                "كبار السن مستبعدون من الخدمات العامة الإلكترونية",
            ],
            "funding": [
                "صناديق الخدمة الشاملة لا تنفق حيث تشتد الحاجة",
                "على المانحين تمويل المشاريع الرقمية طويلة الأجل",
                "المشغلون الصغار لا يحصلون على رأس المال الاستثماري",
                "الميزانيات العامة للحكومة الإلكترونية صغيرة جدا",
            ],
        },
        "group": [
            "للمزارعين",
            "للمدارس",
            "للشركات الصغيرة",
            "في أقل البلدان نموا",
            "للحكومات المحلية",
            "في المدن الساحلية",
            "للعاملين الصحيين",
            "في محافظتنا",
        ],
        "qual": [
            "وينبغي أن يكون ذلك أولوية للعقد القادم",
            "وهذا يتطلب تعاونا أقوى بين أصحاب المصلحة",
            "كما أظهرت عدة مشاريع تجريبية",
            "رغم أن التقدم كان متفاوتا",
            "ويبقى إطار القمة العالمية مفيدا هنا",
            "لذلك نحتاج إلى أهداف ومؤشرات",
            "في حين تستمر التكاليف في الارتفاع",
            "قبل الاستعراض القادم",
        ],
        "stat": [
            "نحو {p} في المائة من الأسر متأثرة",
            "أحصينا {p} موقعا في عام {y}",
            "منذ عام {y} تحسن {p} في المائة فقط",
        ],
        "sign": ["مع خالص التحية، سارة", "مع التقدير، فريق العمل", "شكرا. أحمد م."],
        "campaign": [
            "نحن أعضاء التحالف الموقعين أدناه ندعو جميع الحكومات إلى ضمان اتصال مجد لكل مدرسة "
            "وكل مركز صحي بحلول عام 2030 وإلى تمويل الشبكات المجتمعية.",
        ],
        "personal": ["في قريتي أقرب نقطة للإنترنت على بعد عشرين كيلومترا."],
        "join": " ",
        "end": ".",
    },
    "zh": {
        "open": [
            "我们认为",
            "根据我们的经验",
            "显然",
            "我们组织认为",
            "坦率地说",
            "展望未来",
            "作为社区网络",
            "总体来看",
        ],
        "topics": {
            "infrastructure": [
                "价格合理的宽带必须覆盖农村地区",
                "偏远地区仍然缺少光纤和移动基站",
                "卫星链路可以解决最后一公里的连接问题",
                "共享基础设施可以降低网络建设成本",
            ],
            "skills": [
                "应当扩大教师数字技能培训",
                "年轻人需要编程课程和数字素养教育",
                "公务员能力建设是当务之急",
                "图书馆可以提供免费的计算机基础培训",
            ],
            "security": [
                "针对医院和银行的网络攻击日益增多",
                "国家网络安全应急团队人手不足",
                "网络诈骗和勒索软件威胁小企业",
                "对在线服务的信任取决于数据保护",
            ],
            "ai": [
                "人工智能应当遵循明确的伦理规则",
                "人工智能工具可以帮助农民预测收成",
                "政府使用的算法必须公开透明",
                "机器学习需要本地数据和本地语言",
            ],
            "inclusion": [
                "妇女和女童仍然面临严重的数字鸿沟",
                "残障人士需要无障碍网站",
                "网上的本地语言内容仍然稀少",
                "老年人难以使用在线公共服务",
            ],
            "funding": [
                "普遍服务基金没有用在最需要的地方",
                "捐助方应资助长期的数字项目",
                "小型运营商难以获得投资",
                "电子政务的公共预算太少",
            ],
        },
        "group": [
            "对农民而言",
            "对学校而言",
            "对小企业而言",
            "在最不发达国家",
            "对地方政府而言",
            "在沿海城镇",
            "对医护人员而言",
            "在我们省",
        ],
        "qual": [
            "这应成为未来十年的优先事项",
            "这需要各利益相关方加强合作",
            "多个试点项目已经证明了这一点",
            "尽管进展并不均衡",
            "信息社会世界峰会的框架仍然有用",
            "因此需要目标和指标",
            "而成本还在上升",
            "在下一次审查之前",
        ],
        "stat": ["约{p}%的家庭受到影响", "我们在{y}年统计了{p}个站点", "自{y}年以来仅改善了{p}%"],
        "sign": ["此致，王丽", "谨上，项目组", "谢谢。李明"],
        "campaign": [
            "我们作为联盟成员联名呼吁各国政府在2030年前让每所学校和每家诊所都实现有效联网，并资助社区网络。"
        ],
        "personal": ["我们村离最近的上网地点有二十公里。"],
        "join": "",
        "end": "。",
    },
}


SYLLABLES = {
    "latin": [
        "ka",
        "lo",
        "mi",
        "ra",
        "te",
        "su",
        "na",
        "ba",
        "do",
        "ri",
        "ve",
        "lu",
        "zo",
        "pe",
        "ti",
        "ma",
        "go",
        "se",
        "ni",
        "ku",
    ],
    "ru": [
        "ка",
        "ло",
        "ми",
        "ра",
        "те",
        "су",
        "на",
        "ба",
        "до",
        "ри",
        "ве",
        "лу",
        "зо",
        "пе",
        "ти",
        "ма",
        "го",
        "се",
        "ни",
        "ку",
    ],
    "ar": [
        "كا",
        "لو",
        "مي",
        "را",
        "تي",
        "سو",
        "نا",
        "با",
        "دو",
        "ري",
        "في",
        "لو",
        "زو",
        "بي",
        "تي",
        "ما",
        "غو",
        "سي",
        "ني",
        "كو",
    ],
    "zh": [
        "安",
        "宁",
        "山",
        "河",
        "东",
        "西",
        "南",
        "北",
        "青",
        "云",
        "平",
        "阳",
        "长",
        "兴",
        "泉",
        "林",
        "华",
        "江",
        "明",
        "德",
    ],
}
PLACE = {
    "en": "in {n} district",
    "fr": "dans le district de {n}",
    "es": "en el distrito de {n}",
    "ru": "в районе {n}",
    "ar": "في منطقة {n}",
    "zh": "在{n}县",
}


def place(lang: str, rng: random.Random) -> str:
    """A made-up place name: respondents write about where they live."""
    script = lang if lang in SYLLABLES else "latin"
    syl = SYLLABLES[script]
    name = "".join(rng.choice(syl) for _ in range(rng.randint(2, 4)))
    if script == "latin":
        name = name.capitalize()
    return PLACE[lang].format(n=name)


def _drop(words: str, rng: random.Random, rate: float = 0.2) -> str:
    """Respondents phrase things their own way: drop some words of the stock phrases."""
    kept = [w for w in words.split(" ") if rng.random() >= rate]
    return " ".join(kept) if kept else words


def sentence(lang: str, rng: random.Random, topic: str) -> str:
    b = BANK[lang]
    opener = rng.choice(b["open"])
    body = rng.choice(b["topics"][topic])
    group = rng.choice(b["group"])
    qual = rng.choice(b["qual"])
    stat = rng.choice(b["stat"]).format(p=rng.randrange(2, 100), y=rng.randrange(1995, 2026))
    if lang == "zh":
        parts = [opener, place(lang, rng), group, body, qual]
        parts = [p for i, p in enumerate(parts) if i in (1, 3) or rng.random() >= 0.3]
        return "，".join(parts) + f"；{stat}{b['end']}"
    parts = [_drop(opener, rng, 0.15), body, place(lang, rng)]
    if rng.random() >= 0.3:
        parts.append(_drop(group, rng, 0.15))
    text = " ".join(parts)
    if rng.random() >= 0.3:
        text += ", " + _drop(qual, rng, 0.15)
    if rng.random() >= 0.3:
        text += "; " + stat
    text += b["end"]
    return text[0].upper() + text[1:]


def response(lang: str, rng: random.Random) -> tuple[str, list[str]]:
    topics = list(BANK[lang]["topics"])
    k = rng.choices((1, 2, 3), weights=(3, 5, 2))[0]
    chosen = rng.sample(topics, k)
    parts = [sentence(lang, rng, t) for t in chosen]
    return BANK[lang]["join"].join(parts), chosen


def near_copy(text: str, lang: str, rng: random.Random) -> tuple[str, str]:
    b = BANK[lang]
    how = rng.choice(("signature", "reorder", "edit"))
    if how == "signature":
        return f"{text}\n\n{rng.choice(b['sign'])}", how
    sep = "。" if lang == "zh" else ". "
    parts = [p for p in text.split(sep) if p]
    if how == "reorder" and len(parts) > 1:
        rng.shuffle(parts)
        out = sep.join(p.rstrip("。.") for p in parts)
        return out + b["end"], how
    # one word or character replaced, or one dropped
    if lang == "zh":
        i = rng.randrange(len(text))
        return text[:i] + text[i + 1 :], "edit"
    words = text.split(" ")
    i = rng.randrange(len(words))
    if rng.random() < 0.5 and len(words) > 6:
        del words[i]
    else:
        words[i] = rng.choice(("really", "truly", "very", "also", "indeed"))
    return " ".join(words), "edit"


def generate(n: int, seed: int = 0):
    """Yield (record, truth) pairs; truth is None for ordinary responses."""
    rng = random.Random(seed)
    langs = list(LANG_SHARE)
    weights = list(LANG_SHARE.values())
    originals: list[tuple[str, str, str]] = []  # (id, text, lang) of recent ordinary responses
    n_campaign = max(0, int(n * 0.02))
    campaign_sizes: list[int] = []
    left = n_campaign
    while left >= 5:
        size = min(left, max(5, int(rng.paretovariate(1.2) * 10)))
        campaign_sizes.append(size)
        left -= size
    campaign_slots: dict[int, int] = {}
    for c, size in enumerate(campaign_sizes):
        for _ in range(size):
            campaign_slots[rng.randrange(n)] = c
    campaign_lang = [rng.choice(langs[:3] if c % 3 else langs) for c in range(len(campaign_sizes))]
    campaign_text = [
        rng.randrange(len(BANK[campaign_lang[c]]["campaign"])) for c in range(len(campaign_sizes))
    ]
    width = len(str(n))
    for i in range(n):
        rid = f"r{i:0{width}d}"
        meta = {
            "stakeholder_type": rng.choice(STAKEHOLDERS),
            "region": rng.choice(REGIONS),
            "question": rng.choice(QUESTIONS),
        }
        truth = None
        if i in campaign_slots:
            c = campaign_slots[i]
            lang = campaign_lang[c]
            text = BANK[lang]["campaign"][campaign_text[c]]
            if rng.random() < 0.4:
                text = text + BANK[lang]["join"] + rng.choice(BANK[lang]["personal"])
            truth = {"id": rid, "planted": "campaign", "of": f"campaign-{c}"}
        else:
            r = rng.random()
            if originals and r < 0.05:
                oid, otext, lang = rng.choice(originals)
                text = otext if rng.random() < 0.7 else "  " + otext.upper() + " "
                truth = {"id": rid, "planted": "exact", "of": oid}
            elif originals and r < 0.08:
                oid, otext, lang = rng.choice(originals)
                text, how = near_copy(otext, lang, rng)
                truth = {"id": rid, "planted": f"near:{how}", "of": oid}
            else:
                lang = rng.choices(langs, weights)[0]
                text, _topics = response(lang, rng)
                originals.append((rid, text, lang))
                if len(originals) > 2000:
                    originals.pop(rng.randrange(len(originals)))
        yield {"id": rid, "text": text, "language": lang, "meta": meta}, truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="-")
    parser.add_argument("--truth", default=None)
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        out = sys.stdout
        if args.out != "-":
            out = stack.enter_context(open(args.out, "w", encoding="utf-8"))
        truth_out = None
        if args.truth:
            truth_out = stack.enter_context(open(args.truth, "w", encoding="utf-8"))
        for record, truth in generate(args.n, args.seed):
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            if truth_out is not None and truth is not None:
                truth_out.write(json.dumps(truth, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
