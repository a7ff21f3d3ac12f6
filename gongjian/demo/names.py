"""Generated Chinese names for the demo city. Everything here is made up: no real people,
and the division codes use the unassigned prefix 3399."""

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "明华建国丽娟伟强秀英志勇海燕玉兰晓东红梅文杰春生桂芳永刚淑珍俊峰雪琴德胜"

DISTRICTS = [("东湖区", "02"), ("西山区", "03")]
STREETS = ["城关街道", "东门街道", "南苑街道", "西津街道", "北岭街道", "新华街道"]
COMMUNITY_WORDS = [
    "和平",
    "兴华",
    "青园",
    "柳岸",
    "望江",
    "红星",
    "桂花",
    "朝阳",
    "幸福",
    "春晖",
    "翠竹",
    "金桥",
    "南湖",
    "锦绣",
    "光明",
    "团结",
    "紫荆",
    "凤凰",
    "滨河",
    "长安",
    "梧桐",
    "新村",
    "丰收",
    "芙蓉",
    "碧水",
    "书院",
    "龙泉",
    "清风",
    "石桥",
    "永安",
]
COMPOUND_PATTERNS = ["{w}小区", "{w}花园", "{w}苑", "{w}家园", "{w}公寓"]
COMPOUND_WORDS = [
    "阳光",
    "绿洲",
    "丽景",
    "嘉禾",
    "怡和",
    "锦华",
    "盛世",
    "康乐",
    "明珠",
    "华庭",
    "东方",
    "世纪",
    "御景",
    "金色",
    "水岸",
    "银杏",
    "枫林",
    "海棠",
    "玉兰",
    "丹桂",
    "香樟",
    "听涛",
    "观澜",
    "雅居",
    "恒安",
    "泰和",
    "瑞祥",
    "福满",
    "天合",
    "秀水",
]
COBUILD_UNITS = [
    ("市财政局", "agency"),
    ("市住房和城乡建设局", "agency"),
    ("市生态环境局", "agency"),
    ("市卫生健康委员会", "agency"),
    ("市市场监督管理局", "agency"),
    ("市交通运输局", "agency"),
    ("市文化和旅游局", "agency"),
    ("市教育局", "agency"),
    ("市民政局", "agency"),
    ("市自然资源和规划局", "agency"),
    ("市税务局", "agency"),
    ("市人民医院", "other"),
    ("市中医院", "other"),
    ("青川供电公司", "enterprise"),
    ("青川水务集团", "enterprise"),
    ("青川燃气有限公司", "enterprise"),
    ("青川农商银行", "enterprise"),
    ("青川移动通信分公司", "enterprise"),
    ("青川公交集团", "enterprise"),
    ("青川城投集团", "enterprise"),
    ("青川日报社", "other"),
    ("青川市第一中学", "school"),
    ("青川市第二中学", "school"),
    ("青川实验小学", "school"),
    ("青川职业技术学院", "school"),
    ("东湖小学", "school"),
    ("市邮政分公司", "enterprise"),
    ("市消防救援支队", "agency"),
    ("市图书馆", "other"),
    ("青川烟草专卖局", "agency"),
]


def person_name(index: int) -> str:
    """A deterministic made-up name: surname plus two given-name characters."""
    surname = SURNAMES[index % len(SURNAMES)]
    first = GIVEN[(index * 7) % len(GIVEN)]
    second = GIVEN[(index * 13 + 5) % len(GIVEN)]
    return surname + first + second
