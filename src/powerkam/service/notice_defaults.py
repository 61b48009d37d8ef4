"""Default one-time notification letters (一次性告知书) per business, as a utility ships them.

This is data (Chinese text handed to customers), loaded once by a migration and then edited by
administrators in the admin site; later edits are never overwritten.
"""

from __future__ import annotations

_INTRO = "尊敬的客户：为减少您往返奔波，现将办理本项业务所需的全部资料和办理流程一次性告知如下。资料齐全后即可受理，我们将按承诺时限办结。"
_CLOSE = "如有疑问，请联系您的客户经理或拨打95598供电服务热线。首问负责：首位接待您的工作人员将负责到底，直至业务办结或正式移交。"

_NEW_CONNECTION_DOCS = [
    "用电申请书（加盖公章）",
    "营业执照或组织机构代码证复印件",
    "法定代表人身份证明及授权委托书、经办人身份证复印件",
    "用电地址产权证明或土地、房屋租赁合同",
    "政府主管部门立项批复或备案文件（重点项目）",
    "用电设备清单及负荷性质说明（含重要负荷、双电源需求）",
]

DEFAULT_NOTICES: dict[str, dict[str, object]] = {
    "scheme_reply": {
        "title": "高压新装（增容）供电方案答复一次性告知书",
        "documents": _NEW_CONNECTION_DOCS,
        "steps": [
            "递交用电申请及资料，营业厅或客户经理受理",
            "供电企业现场勘查，核实用电容量、负荷性质和接入条件",
            "制定供电方案：单电源15个工作日内、双电源30个工作日内书面答复",
            "客户确认供电方案，委托有资质的单位开展受电工程设计",
        ],
    },
    "design_review": {
        "title": "受电工程设计审核一次性告知书",
        "documents": [
            "受电工程设计图纸及说明书（加盖设计单位出图章）",
            "设计单位资质证书复印件",
            "主要电气设备技术参数及选型说明",
            "隐蔽工程设计资料",
        ],
        "steps": [
            "提交设计文件，客户经理受理",
            "供电企业在10个工作日内完成设计审核并出具书面意见",
            "如需修改，按审核意见修改后重新提交",
            "审核通过后方可开工建设",
        ],
    },
    "mid_inspection": {
        "title": "受电工程中间检查一次性告知书",
        "documents": ["中间检查申请", "施工单位资质证书复印件", "隐蔽工程施工及试验记录"],
        "steps": [
            "隐蔽工程覆盖前提出中间检查申请",
            "供电企业在5个工作日内完成现场检查",
            "出具检查意见，缺陷整改后复验",
        ],
    },
    "completion_inspection": {
        "title": "受电工程竣工检验一次性告知书",
        "documents": [
            "竣工检验申请",
            "竣工图纸及说明",
            "电气设备试验报告、保护定值调试报告",
            "运行管理制度及电工进网作业许可证",
            "安全工器具清单",
        ],
        "steps": [
            "工程竣工后提出检验申请",
            "供电企业在5个工作日内组织竣工检验",
            "出具检验意见，缺陷整改后复验",
            "检验合格后签订供用电合同及相关协议",
        ],
    },
    "energisation": {
        "title": "装表接电一次性告知书",
        "documents": ["已签订的供用电合同及调度协议", "竣工检验合格意见", "业务费用缴纳凭证（如有）"],
        "steps": [
            "竣工检验合格、合同签订和相关手续办结",
            "供电企业在5个工作日内完成装表接电",
            "双方共同确认计量装置封印及起始读数",
        ],
    },
    "capacity_reduction": {
        "title": "减容、暂停业务一次性告知书",
        "documents": ["减容（暂停）申请书（加盖公章）", "营业执照复印件", "经办人身份证及授权委托书"],
        "steps": [
            "提前5个工作日提出书面申请",
            "供电企业在5个工作日内现场核查并加封设备",
            "自加封之日起按减容（暂停）后容量计收基本电费",
        ],
    },
    "fault_repair": {
        "title": "故障抢修一次性告知书",
        "documents": ["故障现象及发生时间说明", "现场联系人及电话"],
        "steps": ["报修受理", "抢修人员到达现场并查明原因", "修复送电并回访确认"],
    },
    "maintenance": {
        "title": "设备运维服务一次性告知书",
        "documents": ["运维服务申请", "设备清单及运行记录"],
        "steps": ["受理申请并约定时间", "现场巡视检修或预防性试验", "出具运维报告及整改建议"],
    },
    "arrears_collection": {
        "title": "电费缴纳及欠费处理一次性告知书",
        "documents": ["电费通知单", "缴费凭证（如已缴纳）", "分期缴费申请（如需）"],
        "steps": [
            "核对欠费金额及违约金",
            "约定缴费方式与期限（可申请分期）",
            "缴清后确认销账；逾期未缴将依法依规办理",
        ],
    },
    "complaint": {
        "title": "服务投诉处理一次性告知书",
        "documents": ["投诉事项说明", "相关证明材料（如有）", "联系人及电话"],
        "steps": ["投诉受理并登记", "调查核实", "在承诺时限内答复处理结果", "回访满意度"],
    },
    "consultation": {
        "title": "业务咨询一次性告知书",
        "documents": ["咨询事项说明"],
        "steps": ["咨询受理", "一次性答复所需资料与流程", "需办理业务的转入相应流程"],
    },
    "engineering_design": {
        "title": "受电工程设计服务一次性告知书",
        "documents": ["设计委托书", "用电负荷资料及总平面图", "地质及规划条件资料"],
        "steps": ["签订设计委托", "现场踏勘", "提交设计文件并送审"],
    },
    "engineering_construction": {
        "title": "受电工程施工服务一次性告知书",
        "documents": ["施工委托书", "审核通过的设计文件", "施工场地条件确认"],
        "steps": ["签订施工合同", "组织施工并配合中间检查", "竣工报验"],
    },
    "engineering_supervision": {
        "title": "受电工程监理服务一次性告知书",
        "documents": ["监理委托书", "设计及施工合同文件"],
        "steps": ["签订监理合同", "施工全过程监理", "出具监理报告"],
    },
    "equipment_supply": {
        "title": "电气设备供应服务一次性告知书",
        "documents": ["设备采购需求清单", "技术规格书"],
        "steps": ["确认技术参数与报价", "签订供货合同", "到货验收与安装调试"],
    },
}


def seed_rows() -> list[dict[str, str]]:
    rows = []
    for kind, spec in DEFAULT_NOTICES.items():
        documents = spec["documents"]
        steps = spec["steps"]
        assert isinstance(documents, list)
        assert isinstance(steps, list)
        rows.append(
            {
                "kind": kind,
                "title": str(spec["title"]),
                "introduction": _INTRO,
                "documents": "\n".join(documents),
                "steps": "\n".join(steps),
                "closing": _CLOSE,
            }
        )
    return rows
