"""Realistic synthetic penalty decisions (行政处罚决定) for tests, demos and benchmarks.

Rows carry the Chinese standard headers of the 双公示 penalty standard (see
DOMAIN.md), valid USCCs and ID numbers, decision numbers unique per authority,
dates over the ten years before `until`, and facts naming goods and trademarks.

    from bench.synth import iter_rows, write_csv
    for row in iter_rows(1000, seed=7):          # dicts keyed by HEADERS
        ...
    write_csv("out.csv", 1_000_000, seed=7)      # streams: O(1) memory

    python bench/synth.py --rows 1000000 --out bench/out/1m.csv [--seed 7] [--xlsx]

The same seed gives the same rows. Subjects are derived from their index by a
permutation, so about `subject_ratio * n` distinct subjects appear without
keeping any of them in memory; the others are repeat offenders.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `service` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.register.identifiers import complete_ric, complete_uscc

HEADERS = (
    "行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "证件类型", "证件号码",
    "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容",
    "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）", "暂扣或吊销证照名称及编号",
    "处罚决定日期", "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码",
    "数据来源单位", "数据来源单位统一社会信用代码", "备注",
    # Not in the national standard; the rules need them (blank means no).
    "是否移送司法机关", "是否故意侵权",
)
DEFAULT_UNTIL = date(2026, 10, 31)  # fixed, so a seed always gives the same file

# (district code, province, province abbr., city, city abbr., district, district abbr.)
REGIONS = (
    ("120113", "天津市", "津", "天津市", "津", "北辰区", "北辰"),
    ("120116", "天津市", "津", "天津市", "津", "滨海新区", "滨海"),
    ("110105", "北京市", "京", "北京市", "京", "朝阳区", "朝"),
    ("110108", "北京市", "京", "北京市", "京", "海淀区", "海"),
    ("310115", "上海市", "沪", "上海市", "沪", "浦东新区", "浦"),
    ("310101", "上海市", "沪", "上海市", "沪", "黄浦区", "黄"),
    ("440303", "广东省", "粤", "深圳市", "深", "罗湖区", "罗"),
    ("440306", "广东省", "粤", "深圳市", "深", "宝安区", "宝"),
    ("440111", "广东省", "粤", "广州市", "穗", "白云区", "白"),
    ("440106", "广东省", "粤", "广州市", "穗", "天河区", "天"),
    ("441900", "广东省", "粤", "东莞市", "东", "东城街道", "东城"),
    ("330106", "浙江省", "浙", "杭州市", "杭", "西湖区", "西"),
    ("330782", "浙江省", "浙", "义乌市", "义", "稠城街道", "稠"),
    ("330212", "浙江省", "浙", "宁波市", "甬", "鄞州区", "鄞"),
    ("320102", "江苏省", "苏", "南京市", "宁", "玄武区", "玄"),
    ("320506", "江苏省", "苏", "苏州市", "苏", "吴中区", "吴"),
    ("350582", "福建省", "闽", "晋江市", "晋", "青阳街道", "青"),
    ("350203", "福建省", "闽", "厦门市", "厦", "思明区", "思"),
    ("370211", "山东省", "鲁", "青岛市", "青", "黄岛区", "黄"),
    ("370102", "山东省", "鲁", "济南市", "济", "历下区", "历"),
    ("130102", "河北省", "冀", "石家庄市", "石", "长安区", "长"),
    ("410105", "河南省", "豫", "郑州市", "郑", "金水区", "金"),
    ("420103", "湖北省", "鄂", "武汉市", "武", "江汉区", "江"),
    ("430102", "湖南省", "湘", "长沙市", "长", "芙蓉区", "芙"),
    ("510104", "四川省", "川", "成都市", "成", "锦江区", "锦"),
    ("500103", "重庆市", "渝", "重庆市", "渝", "渝中区", "渝中"),
    ("610113", "陕西省", "陕", "西安市", "西", "雁塔区", "雁"),
    ("210102", "辽宁省", "辽", "沈阳市", "沈", "和平区", "和"),
    ("220104", "吉林省", "吉", "长春市", "长", "朝阳区", "朝"),
    ("230102", "黑龙江省", "黑", "哈尔滨市", "哈", "道里区", "道"),
    ("340104", "安徽省", "皖", "合肥市", "合", "蜀山区", "蜀"),
    ("360102", "江西省", "赣", "南昌市", "洪", "东湖区", "东"),
    ("530102", "云南省", "云", "昆明市", "昆", "五华区", "五"),
    ("450103", "广西壮族自治区", "桂", "南宁市", "邕", "青秀区", "青"),
    ("460106", "海南省", "琼", "海口市", "海", "龙华区", "龙"),
    ("650102", "新疆维吾尔自治区", "新", "乌鲁木齐市", "乌", "天山区", "天"),
    ("140105", "山西省", "晋", "太原市", "并", "小店区", "小"),
    ("150102", "内蒙古自治区", "蒙", "呼和浩特市", "呼", "新城区", "新"),
    ("520102", "贵州省", "黔", "贵阳市", "筑", "南明区", "南"),
    ("620102", "甘肃省", "甘", "兰州市", "兰", "城关区", "城"),
)
# (customs name, seat region code, number prefix)
CUSTOMS = (
    ("黄埔海关", "440112", "黄关知"), ("深圳海关", "440300", "深关知"),
    ("上海海关", "310000", "沪关知"), ("宁波海关", "330200", "甬关知"),
    ("青岛海关", "370200", "青关知"), ("天津海关", "120000", "津关知"),
    ("拱北海关", "440400", "拱关知"), ("杭州海关", "330100", "杭关知"),
    ("厦门海关", "350200", "厦关知"),
)

_ZIHAO = "鑫源华盛恒达泰丰瑞祥宏福嘉信荣兴隆昌德利汇通诚和美佳康宁远博新锦星辰海天金鼎晟凯安永" \
         "耀中创顺益合盈宇奥启明智腾飞龙凤祥云卓越弘毅君豪晶铭骏驰尚品致诺朗峰润泽恒升"
ZIHAO = tuple(a + b for a in _ZIHAO for b in _ZIHAO if a != b)
INDUSTRIES = ("贸易", "商贸", "科技", "电子科技", "服饰", "鞋业", "箱包", "化妆品", "日用品",
              "食品", "酒业", "茶业", "五金", "汽车配件", "电器", "家居用品", "文化传媒",
              "网络科技",
              "医疗器械", "母婴用品", "体育用品", "眼镜", "钟表", "玩具", "农业科技", "种业",
              "印刷", "包装制品", "实业", "供应链管理")
SHOPS = ("服装店", "商行", "便利店", "五金店", "日用品店", "鞋店", "烟酒店", "电子产品经营部",
         "副食店", "化妆品店", "眼镜店", "种子经营部", "超市", "手机配件店", "玩具店")
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于"
            "蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹"
            "薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红玉兰波辉鹏飞宇浩然晨阳"
         "欣怡子涵梓轩思雨嘉慧志远文博俊杰海燕春梅")

# (trademark, goods, unit) for trademark infringement facts.
BRANDS = (
    ("耐克", "运动鞋", "双"), ("阿迪达斯", "运动服", "件"), ("香奈儿", "手提包", "个"),
    ("路易威登", "皮包", "个"), ("苹果", "手机充电器", "个"), ("华为", "手机壳", "个"),
    ("小米", "移动电源", "个"), ("贵州茅台", "白酒", "瓶"), ("五粮液", "白酒", "瓶"),
    ("中华", "卷烟", "条"), ("欧莱雅", "洗发水", "瓶"), ("雅诗兰黛", "精华液", "瓶"),
    ("迪士尼", "儿童玩具", "件"), ("佳能", "墨盒", "个"), ("惠普", "硒鼓", "个"),
    ("博世", "汽车火花塞", "个"), ("米其林", "轮胎", "条"), ("劳力士", "手表", "块"),
    ("周大福", "黄金饰品", "件"), ("海尔", "电热水器", "台"), ("美的", "电风扇", "台"),
    ("公牛", "插座", "个"), ("立白", "洗衣液", "瓶"), ("蒙牛", "牛奶", "箱"),
    ("伊利", "奶粉", "罐"),
    ("老干妈", "辣椒酱", "瓶"), ("新百伦", "运动鞋", "双"), ("优衣库", "T恤", "件"),
    ("飞利浦", "剃须刀", "个"), ("李宁", "运动服", "件"), ("安踏", "运动鞋", "双"),
    ("三星", "手机屏幕", "块"), ("戴森", "吹风机", "台"), ("雷朋", "太阳镜", "副"),
)
SHODDY = (("电线电缆", "米", "导体电阻不合格"), ("食用植物油", "桶", "掺杂掺假"),
          ("电动自行车头盔", "个", "冲击吸收性能不合格"), ("儿童服装", "件", "纤维含量不合格"),
          ("插座", "个", "冒用CCC认证标志"), ("钢筋", "吨", "屈服强度不合格"),
          ("化肥", "袋", "养分含量不合格"), ("灭火器", "具", "伪造生产许可证编号"))
WORKS = (("计算机软件", "AutoCAD"), ("影视作品", "流浪地球2"), ("图书", "三体"),
         ("音乐作品", "孤勇者"), ("美术作品", "冰墩墩"), ("网络游戏", "王者荣耀"),
         ("教辅图书", "五年高考三年模拟"))
VARIETIES = (("玉米", "郑单958"), ("玉米", "先玉335"), ("水稻", "隆两优华占"), ("小麦", "济麦22"),
             ("大豆", "中黄13"), ("西瓜", "京欣2号"))
GEO = (("茶叶", "西湖龙井"), ("大米", "五常大米"), ("火腿", "金华火腿"), ("醋", "镇江香醋"),
       ("脐橙", "赣南脐橙"), ("白酒", "茅台酒"))
PATENT_GOODS = ("LED灯具", "电动牙刷", "保温杯", "手机支架", "空气净化器", "电动车充电器", "折叠椅")
LICENCES = ("食品经营许可证", "营业执照", "烟草专卖零售许可证", "出版物经营许可证",
            "农作物种子生产经营许可证", "全国工业产品生产许可证")

# (violation type, weight, department, legal basis)
VIOLATIONS = (
    ("侵犯注册商标专用权", 52, "市场监管",
     "《中华人民共和国商标法》第五十七条第（三）项、第六十条第二款"),
    ("制售假冒伪劣商品", 17, "市场监管", "《中华人民共和国产品质量法》第三十二条、第五十条"),
    ("侵犯著作权", 10, "版权", "《中华人民共和国著作权法》第五十三条第（一）项"),
    ("假冒专利", 8, "知识产权",
     "《中华人民共和国专利法》第六十八条、《专利法实施细则》第一百零一条"),
    ("侵犯植物新品种权", 4, "农业农村", "《中华人民共和国种子法》第二十八条、第七十二条"),
    ("侵犯商业秘密", 3, "市场监管", "《中华人民共和国反不正当竞争法》第九条、第二十一条"),
    ("侵犯地理标志", 3, "知识产权",
     "《中华人民共和国商标法》第十六条、《地理标志产品保护办法》第三十八条"),
    ("侵犯专利权", 2, "知识产权", "《中华人民共和国专利法》第六十五条"),
    ("其他知识产权违法", 1, "市场监管", "《中华人民共和国反不正当竞争法》第六条、第十八条"),
)
# (categories, weight); 罚款/没收 amounts and licences follow from the categories.
CATEGORY_SETS = (
    (("罚款", "没收非法财物"), 30), (("罚款",), 22), (("罚款", "没收违法所得", "没收非法财物"), 20),
    (("罚款", "没收违法所得"), 11), (("警告",), 4), (("警告", "罚款"), 4), (("通报批评",), 1),
    (("罚款", "没收违法所得", "吊销许可证件"), 2), (("暂扣许可证件", "罚款"), 1),
    (("责令停产停业", "罚款", "没收非法财物"), 2), (("责令关闭", "没收非法财物"), 1),
    (("其他",), 1), (("罚款", "限制开展生产经营活动"), 1),
)


def _weighted(pairs):
    table = []
    for value, weight in pairs:
        table.extend([value] * weight)
    return tuple(table)


_VIOLATION_TABLE = _weighted((v, v[1]) for v in VIOLATIONS)
_CATEGORY_TABLE = _weighted(CATEGORY_SETS)


def _mix(x: int) -> int:
    """splitmix64: a cheap, well-spread hash of a subject index (no per-subject state)."""
    x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


def _yuan_to_wan(yuan: int, fen: int = 0) -> str:
    """Exact 万元 text: 36000 yuan → '3.6', 12345.67 yuan → '1.234567'."""
    micro = yuan * 100 + fen  # units of 0.000001 万元 (= 1 fen)
    text = f"{micro // 1_000_000}.{micro % 1_000_000:06d}".rstrip("0").rstrip(".")
    return text or "0"


class _Authorities:
    """The issuing authorities, their USCCs and per-year decision counters."""

    def __init__(self) -> None:
        self.by_department: dict[str, list[tuple[str, str, str]]] = {}
        self.by_region: dict[tuple[str, str], tuple[str, str, str]] = {}
        seen: set[str] = set()
        for region in REGIONS:
            code, province, p_abbr, city, c_abbr, district, d_abbr = region
            city_code, prov_code = code[:4] + "00", code[:2] + "0000"
            self._add("市场监管", code, f"{city}{district}市场监督管理局",
                      f"{c_abbr}{d_abbr}市监处罚", seen)
            self._add("知识产权", prov_code, f"{province}知识产权局", f"{p_abbr}知执罚字", seen)
            self._add("版权", prov_code, f"{province}版权局", f"{p_abbr}版罚字", seen)
            self._add("农业农村", city_code, f"{city}农业农村局", f"{c_abbr}农（种）罚", seen)
        for name, seat, prefix in CUSTOMS:
            self._add("海关", seat, name, prefix, seen)
        self.counters: dict[tuple[str, int], int] = {}

    def _add(self, department, region_code, name, prefix, seen) -> None:
        if name in seen:
            self.by_region[(department, region_code[:2])] = next(
                a for a in self.by_department[department] if a[0] == name)
            return
        seen.add(name)
        n = len(seen)
        authority = (name, complete_uscc(f"11{region_code}{n:09d}"), prefix)
        self.by_department.setdefault(department, []).append(authority)
        self.by_region[(department, region_code[:2])] = authority
        if department == "市场监管":
            self.by_region[(department, region_code)] = authority

    def number(self, authority, year: int) -> str:
        key = (authority[0], year)
        n = self.counters.get(key, 0) + 1
        self.counters[key] = n
        return f"{authority[2]}〔{year}〕{n}号"


class _Subjects:
    """Subject k's name, codes and representative, derived from k alone."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.space = len(ZIHAO) * len(INDUSTRIES) * len(REGIONS)
        self.step = 1_000_003  # prime, coprime to the space: k → j is a permutation

    def __call__(self, k: int) -> tuple:
        h = _mix(k * 1_315_423_911 + self.seed)
        j = (k * self.step + self.seed * 7919) % self.space
        region = REGIONS[j % len(REGIONS)]
        j //= len(REGIONS)
        industry = INDUSTRIES[j % len(INDUSTRIES)]
        zihao = ZIHAO[j // len(INDUSTRIES)]
        code = region[0]
        person = SURNAMES[h % len(SURNAMES)] + GIVEN[(h >> 8) % len(GIVEN)] + (
            GIVEN[(h >> 16) % len(GIVEN)] if (h >> 24) & 3 else "")
        roll = (h >> 32) % 100
        body = f"{(h >> 40) % 10_000_000:07d}"
        if roll < 80:
            suffix = ("股份有限公司" if roll < 8 else "有限责任公司" if roll < 12 else "有限公司")
            name = f"{region[3]}{zihao}{industry}{suffix}"
            uscc = complete_uscc(f"91{code}MA{body}")
            kind = "法人及非法人组织"
        elif roll < 92:
            name = f"{region[3]}{region[5]}{zihao}{SHOPS[h % len(SHOPS)]}"
            uscc = complete_uscc(f"92{code}MA{body}")
            kind = "个体工商户"
        else:
            name, uscc, kind = person, "", "自然人"
        id_number = ""
        if kind == "自然人" or (h >> 60) < 10:  # persons, and ~60% of representatives
            id_number = self._ric(code, k, 0 if kind == "自然人" else 500)
        return kind, name, uscc, (person if kind != "自然人" else ""), id_number, region

    def _ric(self, region_code: str, k: int, offset: int) -> str:
        t = (k * 2_654_435_761 + self.seed) % (14_600 * 500)
        born = date(1960, 1, 1) + timedelta(days=t // 500)
        return complete_ric(f"{region_code}{born:%Y%m%d}{t % 500 + offset:03d}")


def iter_rows(n: int, seed: int = 0, *, until: date = DEFAULT_UNTIL,
              subject_ratio: float = 0.3, years: int = 10) -> Iterator[dict[str, str]]:
    """Yield `n` decision rows (dicts keyed by HEADERS), deterministic for `seed`.

    Args:
        until: the latest decision date; dates spread over `years` years before it.
        subject_ratio: the share of rows that introduce a new subject; the others
            are further decisions of earlier subjects (repeat offenders).
    """
    rnd = random.Random(seed).random
    authorities = _Authorities()
    subject_of = _Subjects(seed)
    span = years * 365
    created = 0
    for _ in range(n):
        if created < 20 or rnd() < subject_ratio:
            k, created = created, created + 1
        else:
            k = int(created * rnd())
        kind, name, uscc, rep, id_number, region = subject_of(k)
        violation, _w, department, basis = _VIOLATION_TABLE[int(rnd() * len(_VIOLATION_TABLE))]
        if department == "市场监管" and violation == "侵犯注册商标专用权" and rnd() < 0.08:
            department = "海关"
        authority = _pick_authority(authorities, department, region, rnd)
        decided = until - timedelta(days=int(rnd() * span))
        facts, goods_value = _facts(violation, name, decided, rnd)
        categories = _CATEGORY_TABLE[int(rnd() * len(_CATEGORY_TABLE))]
        if department == "海关":
            categories = ("罚款", "没收非法财物")
        row = _penalty(categories, goods_value, violation, rnd)
        transfer = rnd() < 0.01
        remarks = "涉嫌犯罪，已移送公安机关" if transfer else ""
        same_unit = rnd() < 0.7
        row.update({
            "行政相对人名称": name, "行政相对人类别": kind, "统一社会信用代码": uscc,
            "法定代表人": rep, "证件类型": "身份证" if id_number else "", "证件号码": id_number,
            "行政处罚决定书文号": authorities.number(authority, decided.year),
            "违法行为类型": violation, "违法事实": facts, "处罚依据": basis,
            "处罚决定日期": decided.isoformat(), "处罚有效期": "", "公示截止期": "",
            "处罚机关": authority[0], "处罚机关统一社会信用代码": authority[1],
            "数据来源单位": authority[0] if same_unit else "",
            "数据来源单位统一社会信用代码": authority[1] if same_unit else "", "备注": remarks,
            "是否移送司法机关": "是" if transfer else "",
            "是否故意侵权": "是" if rnd() < 0.03 and violation != "其他知识产权违法" else "",
        })
        yield {h: row[h] for h in HEADERS}


def _pick_authority(authorities: _Authorities, department: str, region: tuple, rnd):
    """Mostly the authority where the subject sits; sometimes one elsewhere."""
    if rnd() < 0.85:
        found = authorities.by_region.get((department, region[0])) or authorities.by_region.get(
            (department, region[0][:2]))
        if found:
            return found
    pool = authorities.by_department[department]
    return pool[int(rnd() * len(pool))]


def _facts(violation: str, name: str, decided: date, rnd) -> tuple[str, int]:
    """The 违法事实 text and the goods value (元) it names."""
    start = decided - timedelta(days=60 + int(rnd() * 300))
    since = f"{start.year}年{start.month}月"
    qty = 5 + int(rnd() ** 4 * 2000)
    if violation == "侵犯注册商标专用权":
        brand, goods, unit = BRANDS[int(rnd() * len(BRANDS))]
        value = qty * (20 + int(rnd() * 400))
        return (f"当事人自{since}起在其经营场所销售侵犯“{brand}”注册商标专用权的"
                f"{goods}{qty}{unit}，货值金额{value}元。"), value
    if violation == "制售假冒伪劣商品":
        goods, unit, flaw = SHODDY[int(rnd() * len(SHODDY))]
        value = qty * (10 + int(rnd() * 200))
        return (f"当事人自{since}起生产销售{flaw}的{goods}{qty}{unit}，以不合格产品冒充合格产品，"
                f"货值金额{value}元。"), value
    if violation == "侵犯著作权":
        kind, title = WORKS[int(rnd() * len(WORKS))]
        value = qty * (5 + int(rnd() * 60))
        return (f"当事人未经著作权人许可，自{since}起复制、发行或通过信息网络传播"
                f"{kind}《{title}》，涉案复制品{qty}件，非法经营额{value}元。"), value
    if violation == "假冒专利":
        goods = PATENT_GOODS[int(rnd() * len(PATENT_GOODS))]
        value = qty * (15 + int(rnd() * 150))
        patent = f"ZL{2010 + int(rnd() * 12)}2{int(rnd() * 1e7):07d}.{int(rnd() * 10)}"
        return (f"当事人在其销售的{goods}{qty}件包装上标注已终止的专利号{patent}，"
                f"冒充专利产品，销售金额{value}元。"), value
    if violation == "侵犯植物新品种权":
        crop, variety = VARIETIES[int(rnd() * len(VARIETIES))]
        value = qty * (8 + int(rnd() * 40))
        return (f"当事人未经品种权人许可，销售以其他名称包装的授权品种“{variety}”{crop}种子"
                f"{qty}千克，货值金额{value}元。"), value
    if violation == "侵犯地理标志":
        goods, mark = GEO[int(rnd() * len(GEO))]
        value = qty * (30 + int(rnd() * 300))
        return (f"当事人在其销售的{goods}{qty}件包装上擅自使用“{mark}”地理标志，"
                f"货值金额{value}元。"), value
    value = 20_000 + int(rnd() ** 2 * 600_000)
    if violation == "侵犯商业秘密":
        return (f"当事人以不正当手段获取并使用权利人的客户名单、工艺配方等商业秘密，"
                f"自{since}起用于生产经营，违法经营额{value}元。"), value
    if violation == "侵犯专利权":
        goods = PATENT_GOODS[int(rnd() * len(PATENT_GOODS))]
        return (f"当事人未经专利权人许可，为生产经营目的制造、销售落入他人专利权保护范围的"
                f"{goods}，经营额{value}元，经责令停止侵权后再次侵权。"), value
    return (f"{name}擅自使用与他人有一定影响的商品名称、包装相同的标识，引人误认为是他人商品，"
            f"违法经营额{value}元。"), value


def _penalty(categories: tuple, goods_value: int, violation: str, rnd) -> dict[str, str]:
    """处罚类别/处罚内容/罚款/没收/证照 for one decision, consistent with each other."""
    parts = []
    fine = confiscated = licence = ""
    if "警告" in categories:
        parts.append("警告")
    if "通报批评" in categories:
        parts.append("通报批评")
    if "没收非法财物" in categories:
        parts.append("没收侵权及假冒伪劣商品和主要用于制造的工具")
    if "没收违法所得" in categories or "没收非法财物" in categories:
        confiscated_yuan = max(100, int(goods_value * (0.05 + rnd() * 0.4)))
        confiscated = _yuan_to_wan(confiscated_yuan)
        if "没收违法所得" in categories:
            parts.append(f"没收违法所得{confiscated}万元")
    if "罚款" in categories:
        if rnd() < 0.006:  # a few very large fines (≥ 100 万元)
            yuan, fen = 1_000_000 + int(rnd() * 4_000_000), 0
        else:
            yuan = min(990_000, max(200, int(goods_value * (0.5 + rnd() * 2.5))))
            fen = int(rnd() * 100) if rnd() < 0.05 else 0
        fine = _yuan_to_wan(yuan, fen)
        parts.append(f"罚款{fine}万元")
    if "吊销许可证件" in categories or "暂扣许可证件" in categories:
        name = LICENCES[int(rnd() * len(LICENCES))]
        licence = f"{name}（{'JY' if name.startswith('食品') else 'XK'}{int(rnd() * 1e12):012d}）"
        parts.append(("吊销" if "吊销许可证件" in categories else "暂扣") + licence)
    if "责令停产停业" in categories:
        parts.append("责令停产停业三个月")
    if "责令关闭" in categories:
        parts.append("责令关闭")
    if "限制开展生产经营活动" in categories:
        parts.append("限制开展生产经营活动六个月")
    if categories == ("其他",):
        parts.append("责令改正并消除影响")
    if not parts:
        parts.append("责令停止侵权行为")
    return {
        "处罚类别": "、".join(categories), "处罚内容": "，".join(parts),
        "罚款金额（万元）": fine, "没收违法所得、没收非法财物的金额（万元）": confiscated,
        "暂扣或吊销证照名称及编号": licence,
    }


def write_csv(path: str | Path, n: int, seed: int = 0, *, encoding: str = "utf-8",
              **options) -> int:
    """Write `n` rows to a CSV file with the Chinese headers; return the row count."""
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        count = 0
        for row in iter_rows(n, seed, **options):
            writer.writerow(row.values())
            count += 1
    return count


def write_xlsx(path: str | Path, n: int, seed: int = 0, **options) -> int:
    """Write `n` rows to an XLSX workbook (write-only mode: streams, O(1) memory)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("行政处罚")
    sheet.append(HEADERS)
    count = 0
    for row in iter_rows(n, seed, **options):
        sheet.append(list(row.values()))
        count += 1
    workbook.save(path)
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--out", required=True, help="FILE.csv or FILE.xlsx")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--until", type=date.fromisoformat, default=DEFAULT_UNTIL,
                        help="latest decision date (YYYY-MM-DD)")
    parser.add_argument("--encoding", default="utf-8",
                        help="CSV encoding: utf-8, utf-8-sig, gb18030")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.out.endswith(".xlsx"):
        count = write_xlsx(args.out, args.rows, args.seed, until=args.until)
    else:
        count = write_csv(args.out, args.rows, args.seed, until=args.until, encoding=args.encoding)
    elapsed = time.perf_counter() - started
    print(f"{count} rows → {args.out} in {elapsed:.1f}s ({count / elapsed:,.0f} rows/s)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
