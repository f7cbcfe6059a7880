package workcal

// BuiltInYears are the years ChinaHolidays covers in full.
var BuiltInYears = []int{2025, 2026}

// ChinaHolidays are China's official public holidays and make-up working days (调休) for 2025
// and 2026, as the team understands the State Council General Office arrangements:
//   - 2025: 国务院办公厅关于2025年部分节假日安排的通知, 国办发明电〔2024〕12号, 12 November 2024
//     (the first year under the November 2024 revision of 全国年节及纪念日放假办法, which added
//     a day each to 春节 and 劳动节).
//   - 2026: 国务院办公厅关于2026年部分节假日安排的通知 (国办发明电), 4 November 2025, as
//     published by Xinhua; the notice's serial number is not recorded here because it was not
//     verified.
//
// Every day of each holiday period is listed, including those that fall on a weekend, so that
// the name is known; make-up days are Saturdays or Sundays with Working=true. The State Council
// publishes each year's arrangement in November of the year before: administrators add
// overrides for later years through the database (internal/calendar), and BuiltIn knows nothing
// past 2026: do not add a year here before its notice is verified.
var ChinaHolidays = []Day{
	// 2025
	// 元旦：1月1日（周三）放假1天，不调休。
	{Date: "2025-01-01", Working: false, Name: "元旦"}, // 周三
	// 春节：1月28日至2月4日放假调休，共8天；1月26日（周日）、2月8日（周六）上班。
	{Date: "2025-01-26", Working: true, Name: "春节调休上班"}, // 周日
	{Date: "2025-01-28", Working: false, Name: "春节"},    // 周二
	{Date: "2025-01-29", Working: false, Name: "春节"},    // 周三
	{Date: "2025-01-30", Working: false, Name: "春节"},    // 周四
	{Date: "2025-01-31", Working: false, Name: "春节"},    // 周五
	{Date: "2025-02-01", Working: false, Name: "春节"},    // 周六
	{Date: "2025-02-02", Working: false, Name: "春节"},    // 周日
	{Date: "2025-02-03", Working: false, Name: "春节"},    // 周一
	{Date: "2025-02-04", Working: false, Name: "春节"},    // 周二
	{Date: "2025-02-08", Working: true, Name: "春节调休上班"}, // 周六
	// 清明节：4月4日至6日放假，共3天。
	{Date: "2025-04-04", Working: false, Name: "清明节"}, // 周五
	{Date: "2025-04-05", Working: false, Name: "清明节"}, // 周六
	{Date: "2025-04-06", Working: false, Name: "清明节"}, // 周日
	// 劳动节：5月1日至5日放假调休，共5天；4月27日（周日）上班。
	{Date: "2025-04-27", Working: true, Name: "劳动节调休上班"}, // 周日
	{Date: "2025-05-01", Working: false, Name: "劳动节"},    // 周四
	{Date: "2025-05-02", Working: false, Name: "劳动节"},    // 周五
	{Date: "2025-05-03", Working: false, Name: "劳动节"},    // 周六
	{Date: "2025-05-04", Working: false, Name: "劳动节"},    // 周日
	{Date: "2025-05-05", Working: false, Name: "劳动节"},    // 周一
	// 端午节：5月31日至6月2日放假，共3天。
	{Date: "2025-05-31", Working: false, Name: "端午节"}, // 周六
	{Date: "2025-06-01", Working: false, Name: "端午节"}, // 周日
	{Date: "2025-06-02", Working: false, Name: "端午节"}, // 周一
	// 国庆节、中秋节：10月1日至8日放假调休，共8天；9月28日（周日）、10月11日（周六）上班。
	{Date: "2025-09-28", Working: true, Name: "国庆节调休上班"},  // 周日
	{Date: "2025-10-01", Working: false, Name: "国庆节、中秋节"}, // 周三
	{Date: "2025-10-02", Working: false, Name: "国庆节、中秋节"}, // 周四
	{Date: "2025-10-03", Working: false, Name: "国庆节、中秋节"}, // 周五
	{Date: "2025-10-04", Working: false, Name: "国庆节、中秋节"}, // 周六
	{Date: "2025-10-05", Working: false, Name: "国庆节、中秋节"}, // 周日
	{Date: "2025-10-06", Working: false, Name: "国庆节、中秋节"}, // 周一
	{Date: "2025-10-07", Working: false, Name: "国庆节、中秋节"}, // 周二
	{Date: "2025-10-08", Working: false, Name: "国庆节、中秋节"}, // 周三
	{Date: "2025-10-11", Working: true, Name: "国庆节调休上班"},  // 周六
	// 2026
	// 元旦：1月1日至3日放假调休，共3天；1月4日（周日）上班。
	{Date: "2026-01-01", Working: false, Name: "元旦"},    // 周四
	{Date: "2026-01-02", Working: false, Name: "元旦"},    // 周五
	{Date: "2026-01-03", Working: false, Name: "元旦"},    // 周六
	{Date: "2026-01-04", Working: true, Name: "元旦调休上班"}, // 周日
	// 春节：2月15日至23日放假调休，共9天；2月14日（周六）、2月28日（周六）上班。
	{Date: "2026-02-14", Working: true, Name: "春节调休上班"}, // 周六
	{Date: "2026-02-15", Working: false, Name: "春节"},    // 周日
	{Date: "2026-02-16", Working: false, Name: "春节"},    // 周一
	{Date: "2026-02-17", Working: false, Name: "春节"},    // 周二
	{Date: "2026-02-18", Working: false, Name: "春节"},    // 周三
	{Date: "2026-02-19", Working: false, Name: "春节"},    // 周四
	{Date: "2026-02-20", Working: false, Name: "春节"},    // 周五
	{Date: "2026-02-21", Working: false, Name: "春节"},    // 周六
	{Date: "2026-02-22", Working: false, Name: "春节"},    // 周日
	{Date: "2026-02-23", Working: false, Name: "春节"},    // 周一
	{Date: "2026-02-28", Working: true, Name: "春节调休上班"}, // 周六
	// 清明节：4月4日至6日放假，共3天。
	{Date: "2026-04-04", Working: false, Name: "清明节"}, // 周六
	{Date: "2026-04-05", Working: false, Name: "清明节"}, // 周日
	{Date: "2026-04-06", Working: false, Name: "清明节"}, // 周一
	// 劳动节：5月1日至5日放假调休，共5天；5月9日（周六）上班。
	{Date: "2026-05-01", Working: false, Name: "劳动节"},    // 周五
	{Date: "2026-05-02", Working: false, Name: "劳动节"},    // 周六
	{Date: "2026-05-03", Working: false, Name: "劳动节"},    // 周日
	{Date: "2026-05-04", Working: false, Name: "劳动节"},    // 周一
	{Date: "2026-05-05", Working: false, Name: "劳动节"},    // 周二
	{Date: "2026-05-09", Working: true, Name: "劳动节调休上班"}, // 周六
	// 端午节：6月19日至21日放假，共3天。
	{Date: "2026-06-19", Working: false, Name: "端午节"}, // 周五
	{Date: "2026-06-20", Working: false, Name: "端午节"}, // 周六
	{Date: "2026-06-21", Working: false, Name: "端午节"}, // 周日
	// 中秋节：9月25日至27日放假，共3天。
	{Date: "2026-09-25", Working: false, Name: "中秋节"}, // 周五
	{Date: "2026-09-26", Working: false, Name: "中秋节"}, // 周六
	{Date: "2026-09-27", Working: false, Name: "中秋节"}, // 周日
	// 国庆节：10月1日至7日放假调休，共7天；9月20日（周日）、10月10日（周六）上班。
	{Date: "2026-09-20", Working: true, Name: "国庆节调休上班"}, // 周日
	{Date: "2026-10-01", Working: false, Name: "国庆节"},    // 周四
	{Date: "2026-10-02", Working: false, Name: "国庆节"},    // 周五
	{Date: "2026-10-03", Working: false, Name: "国庆节"},    // 周六
	{Date: "2026-10-04", Working: false, Name: "国庆节"},    // 周日
	{Date: "2026-10-05", Working: false, Name: "国庆节"},    // 周一
	{Date: "2026-10-06", Working: false, Name: "国庆节"},    // 周二
	{Date: "2026-10-07", Working: false, Name: "国庆节"},    // 周三
	{Date: "2026-10-10", Working: true, Name: "国庆节调休上班"}, // 周六
}
