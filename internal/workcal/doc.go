// Package workcal is the work calendar behind case deadlines: it knows the deployment's time
// zone (Asia/Shanghai by default), weekends, public holidays and China's make-up working days
// (调休), computes deadlines in working hours, working days or natural hours, measures working
// time between two instants and turns elapsed time into a traffic light (GB/T 30428 practice:
// GREEN below 80 % of the limit, YELLOW from 80 % to 100 % inclusive, RED beyond).
//
// Rules:
//   - A working day is Monday to Friday unless an override says otherwise: a public holiday
//     (Working=false) or a make-up working day on a Saturday or Sunday (Working=true).
//   - Working time is the union of the calendar's spans (default 09:00–12:00 and 13:30–18:00
//     local time, 7.5 h) on working days.
//   - WorkingHours: count limit×60 working minutes forward from start; a start outside working
//     time begins counting at the next span. A deadline that falls exactly on a span end stays
//     there (Friday 17:00 + 1 h is Friday 18:00, not Monday 09:00).
//   - WorkingDays: the end of the last span of the limit-th working day after the start's local
//     date; the start's own day never counts, whatever the time of registration.
//   - NaturalHours: start + limit hours.
//   - A limit ≤ 0 or an unknown unit yields start itself.
//
// A calendar also knows which years it covers: the years whose official schedule it holds
// (Covers). Outside them the rules above still apply, on plain weekdays; callers flag such
// deadlines rather than trust them. Default is the process-wide calendar (the built-in one
// until internal/calendar loads the database's schedules over it).
//
// All results are in UTC; a Calendar is immutable and safe for concurrent use.
package workcal
