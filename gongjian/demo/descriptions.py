"""Problem descriptions for the demo city as inspectors write them: several phrasings per category,
with the place, the objects and the extent varying, and the overlaps real life has (clutter in a
stairwell is 乱堆杂物 or 楼道卫生; rubbish can be exposed, piled up, overflowing or unsorted; some
reports say only that something is wrong somewhere), so
that the category suggestions learn from something like a real history (docs/inspections.md).

``describe`` draws from its own generator, seeded by the problem's place and time, so the rest
of the demo's data stay as they were."""

from __future__ import annotations

import random

PLACES = [
    "楼道口",
    "单元门口",
    "小区主干道旁",
    "地下车库入口",
    "自行车棚旁",
    "围墙边",
    "健身器材旁",
    "物业用房后侧",
    "背街小巷",
    "沿街商铺前",
    "小区南门",
    "小区北门",
    "垃圾分类亭旁",
    "绿化带边",
]
EXTENT = ["", "，面积较大", "，影响通行", "，居民反映强烈", "，已持续数日", "，存在安全隐患", "，多处发现"]

# Per category: phrasings, with {place} and {x} (one of the category's own words) filled in.
PHRASES: dict[str, tuple[list[str], list[str]]] = {
    "06036": (
        [
            "{place}堆放{x}",
            "{place}乱堆{x}，未及时清理",
            "居民在{place}堆放{x}",
            "{place}杂物堆积，主要为{x}",
            "发现{place}有{x}乱堆乱放",
        ],
        ["废旧家具", "纸箱", "旧沙发", "泡沫箱", "废旧木料", "破旧床垫", "花盆和杂物", "装修剩余材料"],
    ),
    "09006": (
        [
            "{place}有流动摊贩占道{x}",
            "{place}流动摊点占用人行道{x}",
            "早市摊贩在{place}占道{x}",
            "{place}三轮车停靠占道{x}",
        ],
        ["卖菜", "卖水果", "售卖早点", "摆摊卖小商品", "卖烧烤", "经营"],
    ),
    "09005": (
        [
            "{place}商户{x}",
            "沿街店铺{x}，超出门窗",
            "{place}店家出店{x}",
            "商铺将商品摆到店外{x}",
        ],
        ["出店经营", "在门外摆放货架", "在门前加工作业", "店外摆桌经营", "门口堆放货物经营", "占用门前空间洗车"],
    ),
    "06038": (
        [
            "居民在{place}{x}",
            "{place}发现有人{x}",
            "{place}私自{x}，气味较大",
            "有住户{x}，影响环境卫生",
        ],
        ["饲养鸡鸭", "散养家禽", "搭笼养鸡", "饲养鸽子", "圈养鸭子", "养兔子"],
    ),
    "06001": (
        [
            "{place}私自搭建{x}",
            "住户在{place}违规搭建{x}",
            "{place}新增{x}，疑似违章搭建",
            "发现{place}私搭乱建{x}",
        ],
        ["简易棚屋", "彩钢板房", "雨棚", "围栏", "储物间", "阳光房"],
    ),
    "06025": (
        [
            "小区{x}水面有漂浮物",
            "{x}水体发黑发臭",
            "{x}内有垃圾和落叶漂浮",
            "{x}水质浑浊，岸边有垃圾",
        ],
        ["景观池", "河道", "池塘", "水沟", "人工湖", "排水渠"],
    ),
    "06011": (
        [
            "{place}积存{x}未清运",
            "{place}堆积{x}，长期无人清理",
            "{place}有成堆{x}",
            "{place}{x}积存多日",
        ],
        ["建筑垃圾", "渣土", "装修垃圾", "碎砖瓦块", "清掏淤泥", "绿化修剪枝叶"],
    ),
    "06010": (
        [
            "{place}有{x}暴露",
            "{place}地面散落{x}",
            "{place}随意丢弃{x}",
            "{place}发现暴露垃圾，主要为{x}",
        ],
        ["生活垃圾袋", "塑料袋", "外卖餐盒", "果皮纸屑", "饮料瓶", "烟头"],
    ),
    "06012": (
        [
            "{place}路面{x}",
            "{place}道路不洁，{x}",
            "小区道路{x}，未及时清扫",
            "{place}地面{x}",
        ],
        ["有油污", "泥土较多", "落叶未清扫", "有积水污渍", "有大片污渍", "沙土散落"],
    ),
    "07001": (
        [
            "{place}张贴{x}",
            "{place}墙面有{x}",
            "单元门和电线杆上贴有{x}",
            "{place}发现喷涂{x}",
            "{place}“牛皮癣”{x}较多",
        ],
        ["小广告", "办证广告", "开锁广告", "疏通管道广告", "招租广告", "贷款小广告"],
    ),
    "06017": (
        [
            "{place}绿地内有{x}",
            "{place}绿化带{x}",
            "绿地脏乱，{x}",
            "{place}草坪上{x}",
        ],
        ["垃圾杂物", "散落塑料袋", "枯枝落叶堆积", "烟头纸屑较多", "丢弃的饮料瓶"],
    ),
    "06021": (
        [
            "{place}{x}",
            "绿化带{x}，需防治",
            "{place}行道树{x}",
            "小区绿化{x}",
        ],
        ["灌木发生虫害", "树木有蚜虫", "叶片发黄虫蛀", "发现白蚁", "香樟树病虫害严重", "绿篱出现病斑"],
    ),
    "06045": (
        [
            "{place}居民{x}",
            "{place}绿地被{x}",
            "有人在绿化带内{x}",
            "{place}发现{x}",
        ],
        ["毁绿种菜", "占用停车", "硬化铺装", "砍伐树木", "踩踏出小路", "堆放建材占绿"],
    ),
    "06041": (
        [
            "{place}垃圾桶内{x}",
            "垃圾分类不到位，{x}",
            "{place}分类垃圾桶{x}",
            "居民投放时{x}",
        ],
        ["干湿混投", "可回收物与其他垃圾混放", "厨余垃圾中混有塑料袋", "有害垃圾未单独投放", "混装混投"],
    ),
    "06042": (
        [
            "{place}垃圾桶{x}",
            "{place}垃圾箱满溢，{x}",
            "垃圾{x}，未及时清运",
            "{place}果壳箱{x}",
        ],
        ["已满溢出", "周边散落垃圾", "桶盖无法盖上", "溢出到地面", "满溢有异味"],
    ),
    "09010": (
        [
            "{place}{x}乱停乱放",
            "{place}{x}停放无序，影响通行",
            "{x}堵在{place}",
            "{place}{x}未停入车棚",
        ],
        ["电动车", "自行车", "共享单车", "电瓶车", "三轮车"],
    ),
    "09012": (
        [
            "{place}消防通道被{x}占用",
            "{x}堵塞{place}消防通道",
            "消防通道内{x}",
            "{place}消防登高面{x}",
        ],
        ["私家车", "杂物", "电动车", "停放车辆", "堆放物品"],
    ),
    "09020": (
        [
            "农贸市场{x}",
            "菜场内{x}",
            "农贸市场周边{x}",
            "市场摊位{x}",
        ],
        ["摊位出摊占道", "地面污水横流", "活禽宰杀区脏乱", "摊位超出划线", "秩序混乱"],
    ),
    "L0101": (
        [
            "{x}楼道内{y}",
            "{x}楼梯间{y}",
            "楼道卫生差，{y}",
            "{x}楼道{y}，需保洁",
        ],
        ["3幢", "5幢2单元", "12幢", "高层", "老旧小区"],
    ),
    "L0102": (
        [
            "{place}空闲地块{x}",
            "拆迁后空地{x}",
            "空闲地块管理不到位，{x}",
            "闲置地块{x}",
        ],
        ["被种菜", "杂草丛生", "被挖掘成水塘", "围挡破损", "堆放垃圾", "无人管理"],
    ),
    "L0103": (
        [
            "{place}商户门前三包不落实，{x}",
            "沿街店铺门前{x}",
            "商户未履行门前三包，{x}",
            "{place}门前责任区{x}",
        ],
        ["门前有垃圾", "未清扫", "门前脏乱", "秩序无人维护", "绿化无人养护"],
    ),
    "L0104": (
        [
            "{place}发现{x}",
            "{place}{x}，易孳生蚊蝇",
            "病媒孳生地：{x}",
            "{place}有{x}，需清除",
        ],
        ["积水容器", "废弃轮胎积水", "蚊蝇孳生", "鼠洞", "蟑螂出没", "花盆积水"],
    ),
    "L0105": (
        [
            "{place}有人{x}",
            "发现居民{x}",
            "{place}{x}",
            "不文明行为：{x}",
        ],
        ["随地吐痰", "高空抛物", "遛狗不牵绳", "乱扔烟头", "在公共区域晾晒衣物", "随意涂画"],
    ),
}
# Some reports say little about what was found (a hurried inspector, a photo that says the rest):
# they could be any category, as in a real history.
VAGUE = [
    "{place}环境脏乱差，需整改",
    "{place}发现问题，请尽快整改",
    "{place}存在安全隐患，居民反映强烈",
    "现场检查发现{place}管理不到位",
    "{place}卫生状况较差",
    "{place}整改不彻底，再次发现",
]
VAGUE_SHARE = 0.12
STAIRWELL = ["堆放杂物", "张贴小广告", "有垃圾袋未清理", "地面脏污", "扶手积灰", "墙面乱涂乱画", "有电动车停放"]


def describe(code: str, name: str, *, seed: str) -> str:
    """A description of a problem of category ``code`` (``name`` for a category without phrasings)."""
    rng = random.Random(f"description-{seed}")
    phrases, words = PHRASES.get(code, (["{place}发现" + name + "问题"], [""]))
    if rng.random() < VAGUE_SHARE:
        phrases = VAGUE
    text = rng.choice(phrases).format(
        place=rng.choice(PLACES),
        x=rng.choice(words),
        y=rng.choice(STAIRWELL),
    )
    return text + rng.choice(EXTENT)
