package excel

// How the roster and case sheets' columns are written and explained on their 说明 sheet.
// Kept apart from the column lists, which the import reads: a column without an entry here
// is written as text and explained by its heading only.

var (
	gridKinds = map[string]colKind{
		"code":             {note: "网格的唯一编码（如 410102001001），导入时按编码识别网格。"},
		"name":             {note: "网格名称。"},
		"kind":             {enum: "GridKind", note: "网格类型。"},
		"parent_code":      {grids: true, note: "上级网格的编码；上级须已在系统中，或在本表中更靠前的行。最高一级留空。"},
		"households":       {format: fmtInt, note: "户数，不小于 0 的整数。"},
		"population":       {format: fmtInt, note: "人口，不小于 0 的整数。"},
		"area_description": {note: "四至范围的文字描述。"},
		"duties":           {note: "网格职责的文字描述。"},
	}
	personKinds = map[string]colKind{
		"key":          {note: "人员编号：系统中唯一、长期不变（如 PHTGRF89V），导入时按它更新已有人员；新增人员可留空，由系统分配，或自拟一个以便在任职表中引用。同一文件内不可重复。"},
		"name":         {note: "姓名。"},
		"gender":       {enum: "Gender", note: "性别，可留空（未填写）。"},
		"phone":        {note: "联系电话。"},
		"title":        {note: "职务。"},
		"unit":         {note: "工作单位。"},
		"party_member": {options: yesNoKind.options, note: "是否党员：是 或 否，留空为否。"},
		"grid_code":    {grids: true, note: "人员所属网格的编码。"},
	}
	assignmentKinds = map[string]colKind{
		"person_key":  {note: "人员表或系统中已有人员的编号。"},
		"person_name": {note: "便于阅读的姓名，导入时不读取。"},
		"grid_code":   {grids: true, note: "任职网格的编码。"},
		"role":        {enum: "Role", note: "在该网格的角色。"},
		"duty":        {enum: "Duty", note: "具体职责，可留空。"},
		"title":       {note: "职务。"},
		"valid_from":  {format: fmtTime, note: "任职起始时间（北京时间）。"},
		"valid_to":    {format: fmtTime, note: "任职终止时间，仍在任留空；不得早于起始时间。"},
		"end_reason":  {note: "终止原因。"},
	}
	eventKinds = map[string]colKind{
		"tracking_code":    {note: "受理编号，群众可凭此查询办理进度。"},
		"category":         {note: "事件类别。"},
		"source":           {enum: "EventSource", note: "事件来源。"},
		"status":           {enum: "EventStatus", note: "导出时的办理状态。"},
		"grid_code":        {note: "当前承办网格的编码；不在您权限范围内的网格留空。"},
		"origin_code":      {note: "事件发生网格的编码。"},
		"reported_at":      {format: fmtTime, note: "上报时间（北京时间）。"},
		"registered_at":    {format: fmtTime, note: "立案时间。"},
		"deadline":         {format: fmtTime, note: "处置时限。"},
		"closed_at":        {format: fmtTime, note: "结案时间。"},
		"rework_count":     {format: fmtInt, note: "核查不通过而返工的次数。"},
		"escalation_count": {format: fmtInt, note: "逐级上报的次数。"},
	}
)

// rosterTables are the roster's three sheets.
func rosterTables() []table {
	return []table{
		{name: gridsSheet, intro: "每行一个网格，上级网格在前。", cols: gridCols, kinds: gridKinds},
		{name: peopleSheet, intro: "每行一名人员。", cols: personCols, kinds: personKinds},
		{name: assignmentsSheet, intro: "每行一次任职：某人在某网格的一个角色。", cols: assignmentCols, kinds: assignmentKinds},
	}
}

// eventsTable is the sheet of a case export; nothing imports it.
var eventsTable = table{name: "事件", intro: "每行一件事件，最新上报的在前；导出只读，不用于导入。", cols: eventCols, kinds: eventKinds}
