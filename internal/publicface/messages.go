package publicface

import (
	"fmt"
	"strings"
	"time"

	"gridgov/internal/apperr"
)

// fieldMessages are what a resident reads when an input of the report form or of a public
// query is refused, by the input's field (extensions.field).
var fieldMessages = map[string]string{
	"gridCode":      "没有找到这个网格编码，请核对公示卡上的编码。",
	"categoryCode":  "请选择问题类别。",
	"title":         "请用一句话写明是什么问题（不超过200字）。",
	"description":   "详细描述太长了，请精简后再提交。",
	"address":       "地点写得太长了，请精简后再提交。",
	"contactName":   "联系人姓名太长了，请精简。",
	"contactPhone":  "联系电话格式不对，请填写手机号或固定电话，也可以不填。",
	"reporterName":  "联系人姓名太长了，请精简。",
	"reporterPhone": "联系电话格式不对，请填写手机号或固定电话，也可以不填。",
	"photoUrls":     "照片不符合要求：最多9张，请重新选择。",
	"photos":        "照片不符合要求：只收JPEG、PNG或WebP格式，每张不超过10MB，最多9张。",
	"from":          "查询时间不对：请填写日期，如2026-11-01。",
	"to":            "查询时间不对：结束日期须晚于开始日期，最长一年。",
	"trackingCode":  "查询码不对，请核对后再试。",
	"location":      "这个位置不在本系统的网格范围内，请填写公示卡上的网格编码。",
	"latitude":      "位置不对：纬度须在-90到90之间。",
	"longitude":     "位置不对：经度须在-180到180之间。",
}

// publicOperations are the GraphQL fields residents' pages call, without signing in.
var publicOperations = map[string]bool{
	"publicCard": true, "publicCards": true, "publicBadges": true, "publicBulletin": true,
	"publicGridManagement": true, "publicEvent": true, "publicEventCategories": true, "reportPublicEvent": true,
}

// IsPublicOperation reports whether the top-level GraphQL field name is one of the public
// operations, whose errors carry a resident's message.
func IsPublicOperation(name string) bool { return publicOperations[name] }

// ForResidents gives err the zh-CN sentence a public page shows (extensions.publicMessage),
// by its code and field, unless it has one; nil stays nil. The English message stays for the
// frontend engineer.
func ForResidents(err error) error {
	if err == nil {
		return nil
	}
	e := apperr.Classify(err)
	if e.PublicMessage != "" {
		return e
	}
	msg := "系统出了点问题，请稍后再试。"
	switch e.Code {
	case apperr.BadInput:
		msg = "填写的内容有误，请检查后再提交。"
		field, _, _ := strings.Cut(e.Field, "[") // photos[2] is about photos
		if m, ok := fieldMessages[field]; ok {
			msg = m
		}
	case apperr.RateLimited:
		msg = "提交太频繁了，请稍后再试。"
	case apperr.NotFound:
		msg = "没有找到，请核对后再试。"
	case apperr.Unavailable, apperr.Timeout, apperr.Overloaded:
		msg = "系统繁忙，请稍后再试。"
	}
	return e.WithPublic(msg)
}

// TooManyReports is the refusal of a public report from an address that filed too many: in
// English for the frontend, in Chinese for the resident, both with the wait.
func TooManyReports(wait time.Duration) error {
	return apperr.New(apperr.RateLimited, "too many reports from this address: try again in %s", wait.Round(time.Second)).
		WithPublic(fmt.Sprintf("提交太频繁了，请%s后再试。", waitZH(wait)))
}

// waitZH spells a wait in Chinese, rounded up to a minute past the first one.
func waitZH(d time.Duration) string {
	if d <= time.Minute {
		return fmt.Sprintf("%d秒", max(1, int((d+time.Second-1)/time.Second)))
	}
	return fmt.Sprintf("%d分钟", int((d+time.Minute-1)/time.Minute))
}
