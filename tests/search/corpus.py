# ruff: noqa: E501  (fixture records read best one per line)
"""A fixture corpus for search quality: named target decisions among synthetic noise."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bench.synth import iter_rows
from service.register.identifiers import complete_uscc
from tests.factories import make_authority, make_decision, make_person, make_subject

# key: (party name, region, authority, decision number, violation type, facts)
TARGETS = {
    "xinyuan": ("深圳市鑫源电子科技有限公司", "440303", "深圳市市场监督管理局", "深市监罚〔2026〕101号",
                "侵犯注册商标专用权", "当事人销售侵犯“Adidas”注册商标专用权的运动服200件，货值金额3.2万元。"),
    "hengda": ("广州市白云区恒达皮具商行", "440111", "广州市白云区市场监督管理局",
               "穗白市监处罚〔2026〕15号", "侵犯注册商标专用权",
               "当事人销售标有“Louis Vuitton”商标的手提包35个，系侵犯注册商标专用权的商品。"),
    "huasheng": ("义乌市华盛日用品有限公司", "330782", "义乌市市场监督管理局", "义市监处罚〔2026〕233号",
                 "侵犯注册商标专用权", "当事人通过网络店铺销售假冒“Chanel”香水480瓶。"),
    "ruixiang": ("上海浦东新区瑞祥贸易有限公司", "310115", "上海市浦东新区市场监督管理局",
                 "沪浦市监处罚〔2026〕77号", "侵犯注册商标专用权",
                 "当事人仓库内存放侵犯“Nike”注册商标专用权的运动鞋1200双。"),
    "boxin": ("北京海淀区博新电子科技有限公司", "110108", "北京市知识产权局", "京知执罚字〔2026〕8号",
              "假冒专利", "当事人在其销售的电动牙刷包装上标注已终止的专利号ZL201820000001.5，冒充专利产品。"),
    "longjing": ("杭州西湖区龙井茶业有限公司", "330106", "杭州市西湖区市场监督管理局",
                 "杭西市监处罚〔2026〕31号", "侵犯地理标志", "当事人在其销售的茶叶包装上擅自使用“西湖龙井”地理标志。"),
    "jinxing": ("苏州吴中区锦星服饰有限公司", "320506", "苏州市吴中区市场监督管理局",
                "苏吴市监处罚〔2026〕12号", "侵犯注册商标专用权", "当事人生产标有“UNIQLO”商标的T恤3000件。"),
    "jiaxin": ("天津市北辰区嘉信汽车配件有限公司", "120113", "天津市北辰区市场监督管理局",
               "津北辰市监处罚〔2026〕184号", "侵犯注册商标专用权", "当事人销售假冒“Bosch”汽车火花塞800个。"),
    "kaian": ("成都锦江区凯安酒业有限公司", "510104", "成都市锦江区市场监督管理局",
              "成锦市监处罚〔2026〕9号", "侵犯注册商标专用权", "当事人销售侵犯“五粮液”注册商标专用权的白酒60瓶。"),
    "zhuoyue": ("东莞市卓越玩具有限公司", "441900", "东莞海关", "东关知罚字〔2026〕3号",
                "侵犯注册商标专用权", "当事人向海关申报出口标有“Disney”商标的儿童玩具5000件。"),
    "haitian": ("青岛黄岛区海天种业有限公司", "370211", "青岛市农业农村局", "青农（种）罚〔2026〕2号",
                "侵犯植物新品种权", "当事人未经品种权人许可，销售授权品种“郑单958”玉米种子1500千克。"),
    "wenbo": ("南京玄武区文博印刷有限公司", "320102", "江苏省版权局", "苏版罚字〔2026〕4号",
              "侵犯著作权", "当事人未经著作权人许可，复制发行图书《三体》2000册。"),
    "qiming": ("厦门思明区启明软件科技有限公司", "350203", "福建省版权局", "闽版罚字〔2026〕6号",
               "侵犯著作权", "当事人在经营中使用未经许可的计算机软件AutoCAD共42套。"),
    "yongyao": ("武汉江汉区永耀电器有限公司", "420103", "武汉市江汉区市场监督管理局",
                "武江市监处罚〔2026〕27号", "侵犯注册商标专用权", "当事人销售假冒“Philips”剃须刀150个。"),
    "hongfu": ("郑州金水区宏福食品有限公司", "410105", "郑州市金水区市场监督管理局",
               "郑金市监处罚〔2026〕40号", "侵犯注册商标专用权", "当事人生产销售侵犯“老干妈”注册商标专用权的辣椒酱900瓶。"),
    "junhao": ("西安雁塔区君豪眼镜店", "610113", "西安市雁塔区市场监督管理局", "西雁市监处罚〔2026〕5号",
               "侵犯注册商标专用权", "当事人销售标有“Ray-Ban”商标的太阳镜86副。"),
    "junchi": ("晋江市骏驰鞋业有限公司", "350582", "晋江市市场监督管理局", "晋市监处罚〔2026〕58号",
               "侵犯注册商标专用权", "当事人为他人加工标有“New Balance”商标的运动鞋2400双。"),
    "runze": ("宁波鄞州区润泽家居用品有限公司", "330212", "宁波市鄞州区市场监督管理局",
              "甬鄞市监处罚〔2026〕19号", "侵犯注册商标专用权", "当事人销售假冒“Dyson”吹风机32台。"),
    "langfeng": ("重庆渝中区朗峰钟表有限公司", "500103", "重庆市渝中区市场监督管理局",
                 "渝中市监处罚〔2026〕11号", "侵犯注册商标专用权", "当事人销售假冒“Rolex”手表14块。"),
    "xinde": ("昆明五华区信德商贸有限公司", "530102", "云南省市场监督管理局", "云市监处罚〔2026〕2号",
              "侵犯商业秘密", "当事人以不正当手段获取权利人的客户名单并用于经营。"),
    "jinding": ("济南历下区金鼎电线电缆有限公司", "370102", "济南市历下区市场监督管理局",
                "济历市监处罚〔2026〕66号", "制售假冒伪劣商品", "当事人生产导体电阻不合格的电线电缆3000米。"),
    "rongxing": ("南宁青秀区荣兴食用油有限公司", "450103", "南宁市青秀区市场监督管理局",
                 "邕青市监处罚〔2026〕8号", "制售假冒伪劣商品", "当事人在食用植物油中掺杂掺假，货值金额2万元。"),
    "tengfei": ("海口龙华区腾飞体育用品有限公司", "460106", "海口市龙华区市场监督管理局",
                "海龙市监处罚〔2026〕21号", "侵犯注册商标专用权", "当事人销售侵犯“李宁”注册商标专用权的运动服75件。"),
    "canon": ("深圳市宝安区鼎盛耗材有限公司", "440306", "深圳海关", "深关知罚字〔2026〕14号",
              "侵犯注册商标专用权", "当事人向海关申报出口标有“Canon”商标的墨盒1200个。"),
}

# Legal bases (处罚依据) of some targets, rarer than the noise's; the others keep the factory's.
BASES = {
    "qiming": "《计算机软件保护条例》第二十四条第一款第（一）项、《中华人民共和国著作权法》第五十三条",
    "zhuoyue": "《中华人民共和国知识产权海关保护条例》第二十七条第三款、《中华人民共和国海关行政处罚实施条例》第二十五条第一款",
    "canon": "《中华人民共和国知识产权海关保护条例》第二十七条第三款、《中华人民共和国海关行政处罚实施条例》第二十五条第一款",
    "xinde": "《中华人民共和国反不正当竞争法》第九条第一款第（一）项、第二十一条",
    "haitian": "《中华人民共和国种子法》第二十八条、第七十二条",
    "boxin": "《中华人民共和国专利法》第六十八条、《专利法实施细则》第一百零一条",
}


def build_corpus(today, noise: int = 200) -> dict[str, object]:
    """The target decisions (by key) among `noise` synthetic ones; all disclosed today."""
    authorities: dict[str, object] = {}

    def authority(name: str, region: str):
        if name not in authorities:
            authorities[name] = make_authority(name, region_code=region)
        return authorities[name]

    made = {}
    for i, (key, (name, region, auth, number, violation, facts)) in enumerate(TARGETS.items()):
        subject = make_subject(name, uscc=complete_uscc(f"91{region}MA{i:07d}"))
        extra = {"legal_basis": BASES[key]} if key in BASES else {}
        made[key] = make_decision(subject, authority(auth, region), number=number,
                                  violation_type=violation, facts=facts,
                                  decided_on=today - timedelta(days=10 + i * 3), **extra)
    person = make_person("赵敏")
    made["person"] = make_decision(person, authority("深圳市市场监督管理局", "440303"),
                                   number="深市监罚〔2026〕102号",
                                   facts="当事人赵敏在网络平台销售假冒“Adidas”运动鞋。")
    for k, row in enumerate(iter_rows(noise, seed=11)):
        if row["行政相对人类别"] == "自然人":
            continue
        subject = make_subject(row["行政相对人名称"] + f"（{k}）",
                               uscc=complete_uscc(f"93{row['统一社会信用代码'][2:8]}NX{k:07d}"))
        auth = authority(row["处罚机关"], row["处罚机关统一社会信用代码"][2:8])
        categories = tuple(row["处罚类别"].split("、"))
        make_decision(subject, auth, number=row["行政处罚决定书文号"] + f"-{k}",
                      violation_type=row["违法行为类型"], facts=row["违法事实"],
                      legal_basis=row["处罚依据"], categories=categories,
                      fine=row["罚款金额（万元）"] or None,
                      confiscated_amount=Decimal(row["没收违法所得、没收非法财物的金额（万元）"] or 0),
                      decided_on=today - timedelta(days=5 + k % 300))
    return made
