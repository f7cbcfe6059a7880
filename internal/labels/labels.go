// Package labels holds the zh-CN labels of every enum in the API.
package labels

import "sort"

// Label is one enum value with its zh-CN label.
type Label struct {
	Value string
	Label string
}

// enums maps an enum's GraphQL name to its values, in declaration order.
var enums = map[string][]Label{
	"GridKind": {
		{"CITY", "市"}, {"DISTRICT", "区（县）"}, {"SUB_DISTRICT", "街道"}, {"TOWNSHIP", "乡镇"},
		{"VILLAGE", "行政村"}, {"COMMUNITY", "社区"}, {"ENTERPRISE_ZONE", "园区"},
		{"VILLAGER_GROUP", "村民组"}, {"KEY_ENTERPRISE", "重点企事业单位"},
		{"RESIDENTIAL_COMPOUND", "居民楼院"}, {"UNIT_GRID", "单元网格"},
	},
	"Role": {
		{"RESPONSIBLE_LEADER", "责任领导"}, {"FIRST_RESPONSIBLE", "第一责任人"},
		{"DIRECT_RESPONSIBLE", "直接责任人"}, {"SPECIFIC_RESPONSIBLE", "具体责任人"},
		{"GRID_HEAD", "网格长"}, {"WORKSTATION_HEAD", "网格工作站站长"},
		{"SUPERVISOR", "督察"}, {"ADMIN", "系统管理员"},
	},
	"Duty": {
		{"RESEARCHER", "调研员"}, {"PATROLLER", "巡防员"}, {"SAFETY_INSPECTOR", "安监员"},
		{"URBAN_MANAGEMENT_OFFICER", "城建城管员"}, {"LAND_OFFICER", "土地管理员"},
		{"SOCIAL_SECURITY_LIAISON", "社保联络员"}, {"PARTY_BUILDING_LIAISON", "党建联络员"},
		{"TAX_SOURCE_SURVEYOR", "税源普查员"}, {"FAMILY_PLANNING_OFFICER", "计生专干"},
		{"FAMILY_PLANNING_PUBLICIST", "计生宣传员"}, {"CLEANER", "保洁员"},
		{"VILLAGER_GROUP_LEADER", "村民组长"}, {"PARTY_GROUP_LEADER", "党小组长"},
		{"HOUSEHOLD_REPRESENTATIVE", "联户代表"},
	},
	"Gender":      {{"MALE", "男"}, {"FEMALE", "女"}, {"UNSPECIFIED", "未填写"}},
	"VehicleKind": {{"BICYCLE", "自行车"}, {"E_BIKE", "电动车"}},
	"EventStatus": {
		{"REPORTED", "已上报"}, {"REGISTERED", "已立案"}, {"DISPATCHED", "已派遣"}, {"HANDLING", "处置中"},
		{"HANDLED", "待核查"}, {"VERIFIED", "核查通过"}, {"CLOSED_FIXED", "已结案(已解决)"},
		{"CLOSED_NOT_FIXED", "已结案(未解决)"}, {"VOIDED", "已作废"},
	},
	"EventSource": {
		{"PATROL", "巡查发现"}, {"RESIDENT_REPORT", "群众直通报告"}, {"HOTLINE", "热线转办"},
		{"INSPECTION", "督察发现"}, {"OTHER", "其他"},
	},
	"EventActionKind": {
		{"REPORT", "上报"}, {"ACCEPT", "受理立案"}, {"DISPATCH", "派遣"}, {"RETURN", "退回"}, {"START", "开始处置"},
		{"REPORT_BACK", "处置反馈"}, {"VERIFY_PASS", "核查通过"}, {"VERIFY_FAIL", "核查不通过(返工)"},
		{"CLOSE", "结案"}, {"ESCALATE", "逐级上报"}, {"REQUEST_EXTENSION", "申请延期"},
		{"APPROVE_EXTENSION", "批准延期"}, {"REJECT_EXTENSION", "驳回延期"}, {"VOID", "作废"},
		{"REOPEN", "重新办理"}, {"AUTO_ESCALATE", "超期自动上报"},
	},
	"TimeLimitUnit": {{"WORKING_HOURS", "工作时"}, {"WORKING_DAYS", "工作日"}, {"NATURAL_HOURS", "自然时"}},
	"SlaLight":      {{"GREEN", "绿灯(正常)"}, {"YELLOW", "黄灯(临期)"}, {"RED", "红灯(超期)"}},
	"CareLevel":     {{"ORDINARY", "一般户"}, {"NEEDS_ATTENTION", "关注户"}, {"VULNERABLE", "困难/重点帮扶户"}},
	"AuditAction":   {{"CREATE", "新增"}, {"UPDATE", "修改"}, {"DELETE", "删除"}},
	"BulletinColumn": {
		{"PARTY_AFFAIRS", "党务公开"}, {"VILLAGE_AFFAIRS", "村务公开"}, {"FINANCIAL_AFFAIRS", "财务公开"},
	},
	"BulletinStatus":   {{"DRAFT", "草稿"}, {"PUBLISHED", "已发布"}, {"UNPUBLISHED", "已撤回"}},
	"InspectionKind":   {{"UNANNOUNCED", "暗访督察"}, {"RECHECK", "复查"}},
	"PhotoStage":       {{"REPORT", "问题照片"}, {"REPORT_BACK", "处置结果照片"}, {"INSPECTION", "督察照片"}},
	"InspectionRating": {{"EXCELLENT", "优秀"}, {"GOOD", "良好"}, {"FAIR", "一般"}, {"POOR", "差"}},
	"LedgerPeriod":     {{"NONE", "常设台账"}, {"MONTH", "按月"}, {"QUARTER", "按季度"}, {"YEAR", "按年"}},
	"LedgerFieldType": {
		{"TEXT", "文本"}, {"NUMBER", "数值"}, {"DATE", "日期"}, {"ENUM", "选项"}, {"BOOLEAN", "是/否"}, {"PERSON", "人员"},
	},
	"KeyProjectStatus": {{"PLANNED", "谋划中"}, {"IN_PROGRESS", "推进中"}, {"COMPLETED", "已完成"}, {"SUSPENDED", "暂停"}},
	"ExportKind":       {{"ROSTER", "花名册"}, {"LEDGERS", "台账"}, {"EVENTS", "事件清单"}, {"LEDGER_TEMPLATE", "台账导入模板"}},
	"ImportKind":       {{"ROSTER", "花名册"}, {"LEDGER", "台账"}},
	"CoordSystem":      {{"WGS84", "WGS-84(GPS)"}, {"GCJ02", "GCJ-02(高德/腾讯)"}, {"BD09", "BD-09(百度)"}},
	"ImportJobStatus":  {{"RUNNING", "进行中"}, {"DONE", "已完成"}, {"FAILED", "失败"}},
	"EventChangeKind": {
		{"REPORTED", "上报"}, {"STEP", "办理"}, {"ESCALATED", "逐级上报"}, {"ESCALATED_IN", "上报至本级"},
		{"ESCALATED_OUT", "上报至上级"}, {"TURNED_YELLOW", "转为黄灯(临期)"}, {"TURNED_RED", "转为红灯(超期)"},
	},
	"TaskChangeKind": {
		{"DISPATCHED", "派遣"}, {"RETURNED", "退回"}, {"REWORK", "返工"}, {"EXTENSION_APPROVED", "批准延期"},
		{"EXTENSION_REJECTED", "驳回延期"},
	},
	"HouseholdTagKind": {
		{"PARTY_MEMBER_HOUSEHOLD", "共产党员户"}, {"MASSES_REPRESENTATIVE_HOUSEHOLD", "群众代表户"},
	},
}

// index maps enum → value → label, built once from enums.
var index = func() map[string]map[string]string {
	m := make(map[string]map[string]string, len(enums))
	for name, ls := range enums {
		m[name] = make(map[string]string, len(ls))
		for _, l := range ls {
			m[name][l.Value] = l.Label
		}
	}
	return m
}()

// Of returns the labels of enum in declaration order and whether the enum is known.
func Of(enum string) ([]Label, bool) {
	ls, ok := enums[enum]
	return ls, ok
}

// For returns the zh-CN label of value in enum, or value itself when none is known.
func For(enum, value string) string {
	if l, ok := index[enum][value]; ok {
		return l
	}
	return value
}

// Enums returns the names of all labelled enums.
func Enums() []string {
	out := make([]string, 0, len(enums))
	for name := range enums {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
