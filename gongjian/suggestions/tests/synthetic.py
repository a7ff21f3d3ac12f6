"""A synthetic history with known labels: each category has its own vocabulary, every description
mixes two or three of its words with words shared by all categories (places, extent), so the
right category is knowable but not from any single fixed sentence."""

from __future__ import annotations

import random

VOCABULARIES = {
    "06036": ["废旧家具", "纸箱", "旧沙发", "泡沫箱", "破床垫", "杂物"],
    "07001": ["小广告", "牛皮癣", "办证广告", "开锁电话", "喷涂号码", "张贴"],
    "09010": ["电动车", "自行车", "共享单车", "乱停放", "车棚外", "停放无序"],
    "06042": ["垃圾桶", "满溢", "溢出", "桶盖", "清运不及时", "异味"],
    "06021": ["虫害", "蚜虫", "病斑", "叶片发黄", "虫蛀", "白蚁"],
    "06001": ["搭建", "彩钢板", "棚屋", "雨棚", "违章", "阳光房"],
}
SHARED = ["楼道口", "小区南门", "沿街", "围墙边", "绿化带旁", "居民反映", "影响通行", "已多日", "需尽快处理", "发现"]


def synthetic_history(per_category: int, *, seed: int = 7) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for code, words in VOCABULARIES.items():
        for _ in range(per_category):
            parts = rng.sample(words, rng.randint(1, 2)) + rng.sample(SHARED, rng.randint(2, 3))
            rng.shuffle(parts)
            texts.append("".join(parts))
            labels.append(code)
    return texts, labels
