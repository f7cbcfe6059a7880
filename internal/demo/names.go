package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// surnames is weighted by repetition: 王 dominates around 三王庄, 桐树王 and 庙王.
var surnames = []rune("王王王王王王李李李张张张刘刘陈陈杨杨赵赵黄周吴徐孙孙胡朱高林何郭郭马马罗梁宋郑郑谢韩唐冯于董董" +
	"程曹袁邓许傅沈彭吕苏卢蒋蔡贾贾丁魏薛叶阎余潘杜戴夏钟汪田田任姜范方石姚谭廖邹熊金陆郝孔白白" +
	"崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常常武乔贺赖龚文牛申岳翟耿")

// Given-name characters, by the gender they are most often given to.
var (
	maleGiven   = []rune("建国军伟强磊洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林峰振海亮成东文志永新朝保全德庆长松福胜立春晓")
	femaleGiven = []rune("芳娜敏静丽艳娟霞秀玲桂英慧巧美淑惠珍燕萍红雪琳晶颖倩婷梅莉兰凤洁琴云彩月荣素爱梦佳雅")
)

// excludedNames are the people named in the founding article; the demo never uses them.
var excludedNames = map[string]bool{
	"张学军": true, "康青山": true, "周岭": true, "周玲": true,
	"董占卿": true, "孟建民": true, "袁聚平": true,
}

// mobilePrefixes are the first three digits of generated phone numbers.
var mobilePrefixes = []string{
	"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
	"156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "185", "186",
	"187", "188", "189",
}

// Parts of synthetic company names: 郑州 + trade name + industry + 有限公司.
var (
	tradeNames = []string{
		"恒达", "宏盛", "鑫源", "瑞祥", "金穗", "博远", "嘉禾", "永泰", "锦华", "豫丰", "兴隆", "润丰",
		"德信", "天成", "广和", "信诚", "同创", "众邦", "茂源", "裕隆",
	}
	industries = []string{"纺织", "纺织", "服装", "家居", "家居", "建材", "物流", "食品", "机械制造", "印务", "包装"}
)

// Landmarks bounding grids in area descriptions.
var landmarks = []string{
	"须水河", "中原西路", "陇海西路", "西四环", "化工路", "须水老街", "村中心路", "村北干渠",
	"须水河西路", "农科路", "工业路", "文化路", "建设西路", "西流湖公园", "铁路专用线",
}

// ordinals spell villager-group numbers: 第一村民组 … 第十村民组.
var ordinals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"}

// names hands out unique synthetic names and phone numbers.
type names struct {
	r      *rand.Rand
	used   map[string]bool
	phones map[string]bool
	firms  map[string]bool
}

func newNames(r *rand.Rand) *names {
	return &names{r: r, used: map[string]bool{}, phones: map[string]bool{}, firms: map[string]bool{}}
}

// person returns a fresh name: a surname and one or two given-name characters.
func (n *names) person(female bool) string {
	for {
		s := RandomName(n.r, female)
		if !n.used[s] {
			n.used[s] = true
			return s
		}
	}
}

// RandomName returns a synthetic name drawn from r: a surname and one or two given-name
// characters, never one of the article's names. Names repeat (as in any real register of
// thousands), which is what a large generated data set needs: the demo keeps them unique.
func RandomName(r *rand.Rand, female bool) string {
	pool := maleGiven
	if female {
		pool = femaleGiven
	}
	for {
		var b strings.Builder
		b.WriteRune(surnames[r.IntN(len(surnames))])
		b.WriteRune(pool[r.IntN(len(pool))])
		if r.IntN(4) != 0 {
			b.WriteRune(pool[r.IntN(len(pool))])
		}
		if s := b.String(); !excludedNames[s] {
			return s
		}
	}
}

// MobileNumber returns the 11-digit mobile number numbered n: distinct n below 10^8 give
// distinct numbers, so a generator gets unique numbers without remembering them.
func MobileNumber(n int) string {
	return fmt.Sprintf("%s%08d", mobilePrefixes[n%len(mobilePrefixes)], (n*7919+4711)%100_000_000)
}

// RandomCompany returns a synthetic company name such as 郑州恒达纺织有限公司, drawn from r;
// names may repeat.
func RandomCompany(r *rand.Rand) string {
	return "郑州" + tradeNames[r.IntN(len(tradeNames))] + industries[r.IntN(len(industries))] + "有限公司"
}

// phone returns a fresh 11-digit mobile number.
func (n *names) phone() string {
	for {
		s := fmt.Sprintf("%s%08d", mobilePrefixes[n.r.IntN(len(mobilePrefixes))], n.r.IntN(100_000_000))
		if !n.phones[s] {
			n.phones[s] = true
			return s
		}
	}
}

// company returns a fresh company name such as 郑州恒达纺织有限公司.
func (n *names) company() string {
	for {
		s := RandomCompany(n.r)
		if !n.firms[s] {
			n.firms[s] = true
			return s
		}
	}
}
