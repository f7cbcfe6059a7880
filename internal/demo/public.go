package demo

import (
	"context"
	"fmt"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/bulletinpost"
	"gridgov/ent/event"
	"gridgov/ent/grid"
	"gridgov/ent/inspection"
	"gridgov/ent/user"
	"gridgov/internal/clock"
	"gridgov/internal/supervision"
	"gridgov/internal/workflow"
)

// SupervisionPhone is the demo's supervision phone (督察电话) printed on the notice cards
// when serve --demo is given none. A sample number, not a real one.
const SupervisionPhone = "0371-6788 0000"

// demoPost is a bulletin post of the demo.
type demoPost struct {
	code   string
	column bulletinpost.Column
	title  string
	body   string
	// daysAgo is when it was published, counted back from the load; -1 leaves it a draft.
	daysAgo int
}

// demoPosts are the demo's bulletin posts: 三务公开 of 三王庄村 and 须水街道, one draft.
var demoPosts = []demoPost{
	{SanwangzhuangCode, bulletinpost.ColumnPARTY_AFFAIRS, "三王庄村党支部11月主题党日活动安排",
		"时间：11月28日上午9:00\n地点：村党群服务中心二楼会议室\n内容：学习党的二十届四中全会精神；开展冬季安全隐患排查志愿服务；党员交纳党费。\n请全体党员准时参加，因事不能参加的向党小组长请假。", 3},
	{SanwangzhuangCode, bulletinpost.ColumnPARTY_AFFAIRS, "2026年第三季度党费收缴情况公示",
		"本季度应缴党费党员86名，实缴86名，合计人民币5,160.00元，已全额上缴街道党工委。", 40},
	{SanwangzhuangCode, bulletinpost.ColumnVILLAGE_AFFAIRS, "村内道路硬化工程招标结果公示",
		"项目名称：三王庄村二组、三组巷道硬化工程\n中标单位：郑州市中原区某市政工程有限公司\n中标价：人民币386,500.00元\n工期：60日历天\n公示期5天，如有异议请向村务监督委员会反映。", 12},
	{SanwangzhuangCode, bulletinpost.ColumnVILLAGE_AFFAIRS, "冬季清洁取暖改造实施方案",
		"经村民代表大会讨论通过，今冬对剩余散煤取暖户实施清洁取暖改造，由网格员逐户登记，12月15日前完成。", 25},
	{SanwangzhuangCode, bulletinpost.ColumnFINANCIAL_AFFAIRS, "2026年10月村级财务收支公开",
		"本月收入：集体土地租赁收入120,000.00元，上级转移支付45,000.00元，合计165,000.00元。\n本月支出：保洁人员工资36,000.00元，路灯维修8,420.00元，办公费用2,310.50元，合计46,730.50元。\n月末结余：1,208,613.27元。", 20},
	{SubDistrictCode, bulletinpost.ColumnVILLAGE_AFFAIRS, "须水街道网格化管理工作通报（11月）",
		"全街道14个村（社区、园区）、96个网格本月共发现问题并全部录入平台，群众直通报告渠道已在各村民组公示卡上公布。欢迎扫描公示卡二维码反映问题。", 5},
	{SanwangzhuangCode, bulletinpost.ColumnVILLAGE_AFFAIRS, "2026年12月村民代表大会议程（草稿）",
		"一、审议2027年村级公益事业项目；二、通报冬季安全生产工作。", -1},
}

// LoadPublic writes the demo's bulletin posts and supervision ledger unless there are posts
// already: the 三务公开 posts above, a few unannounced inspections by the supervisor account,
// a passed re-check of a fixed case and a failed re-check of a case closed unfixed, which
// reopens it for rework through the workflow (a closed-unfixed one, so that the article's 829
// fixed cases stay 829). It needs the demo data, cases and accounts.
func LoadPublic(ctx context.Context, client *ent.Client) error {
	sys := authz.SystemContext(ctx, "load demo bulletin and inspections")
	if n, err := client.BulletinPost.Query().Count(sys); err != nil || n > 0 {
		return err
	}
	now := clock.Now()
	tx, err := client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := writePublic(ctx, tx.Client(), now); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("demo bulletin and inspections: %w", err)
	}
	return tx.Commit()
}

func writePublic(ctx context.Context, client *ent.Client, now time.Time) error {
	sys := authz.SystemContext(ctx, "load demo bulletin and inspections")
	for _, p := range demoPosts {
		g, err := client.Grid.Query().Where(grid.Code(p.code)).Only(sys)
		if err != nil {
			return err
		}
		author, err := Holder(sys, client, p.code, assignment.RoleDIRECT_RESPONSIBLE, now)
		if err != nil {
			author, err = Holder(sys, client, p.code, assignment.RoleFIRST_RESPONSIBLE, now)
		}
		if err != nil {
			return err
		}
		b := client.BulletinPost.Create().SetGridID(g.ID).SetColumn(p.column).SetTitle(p.title).SetBody(p.body).
			SetAuthorID(author.ID)
		if p.daysAgo >= 0 {
			b.SetStatus(bulletinpost.StatusPUBLISHED).SetPublishedAt(now.AddDate(0, 0, -p.daysAgo))
		}
		if err := b.Exec(sys); err != nil {
			return err
		}
	}
	return writeInspections(ctx, client, now)
}

// writeInspections records the supervisor's ledger as the supervisor account, through the
// supervision service, so that the demo takes the same path as the API.
func writeInspections(ctx context.Context, client *ent.Client, now time.Time) error {
	sys := authz.SystemContext(ctx, "load demo inspections")
	u, err := client.User.Query().Where(user.Username("supervisor")).Only(sys)
	if err != nil {
		return fmt.Errorf("the supervisor account: %w", err)
	}
	enf, err := authz.NewEnforcer()
	if err != nil {
		return err
	}
	v, err := enf.LoadViewer(sys, client, u, now)
	if err != nil {
		return err
	}
	as := authz.NewContext(ctx, v)
	svc := &supervision.Service{Workflow: workflow.New()}
	groups, err := client.Grid.Query().Where(grid.CodeHasPrefix(SanwangzhuangCode), grid.Level(3)).
		Order(ent.Asc(grid.FieldCode)).Limit(3).All(sys)
	if err != nil || len(groups) < 3 {
		return fmt.Errorf("groups of 三王庄村: %d, %v", len(groups), err)
	}
	due := now.AddDate(0, 0, 7)
	visits := []supervision.Inspection{
		{GridID: groups[0].ID, Findings: "网格长在岗，公示卡张贴规范；巡查日志与实地情况一致。", Rating: inspection.RatingGOOD},
		{GridID: groups[1].ID, Findings: "村民组东侧空地仍有建筑垃圾堆放，网格员称已上报但未见清运。", Rating: inspection.RatingFAIR, FollowUpDue: &due},
		{GridID: groups[2].ID, Findings: "公示卡照片缺失，两名具体责任人电话无法接通。", Rating: inspection.RatingPOOR, FollowUpDue: &due},
	}
	for i, in := range visits {
		at := now.AddDate(0, 0, -(9 - 3*i)).Truncate(time.Hour)
		in.At = &at
		if _, err := svc.Record(as, client, in); err != nil {
			return fmt.Errorf("inspection %d: %w", i, err)
		}
	}
	sub, err := client.Grid.Query().Where(grid.Code(SubDistrictCode)).Only(sys)
	if err != nil {
		return err
	}
	closed := func(s event.Status) (*ent.Event, error) {
		return client.Event.Query().Where(event.GridPathHasPrefix(sub.Path), event.StatusEQ(s)).
			Order(ent.Desc(event.FieldClosedAt), ent.Asc(event.FieldID)).First(sys)
	}
	fixed, err := closed(event.StatusCLOSED_FIXED)
	if err != nil {
		return err
	}
	if _, _, err := svc.RecheckEvent(as, client, supervision.Recheck{EventID: fixed.ID, Passed: true,
		Findings: "实地复查：问题已整改到位，群众满意。", Rating: inspection.RatingEXCELLENT}); err != nil {
		return fmt.Errorf("passed re-check: %w", err)
	}
	notFixed, err := closed(event.StatusCLOSED_NOT_FIXED)
	if err != nil {
		return err
	}
	if _, _, err := svc.RecheckEvent(as, client, supervision.Recheck{EventID: notFixed.ID, Passed: false,
		Findings: "实地复查：问题依旧存在，责令返工整改。", Rating: inspection.RatingPOOR}); err != nil {
		return fmt.Errorf("failed re-check: %w", err)
	}
	return nil
}
