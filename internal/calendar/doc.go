// Package calendar keeps the work calendar as data: holidays and make-up working days
// (CalendarDay rows) and the years whose official schedule is known (CalendarYear rows) live
// in the database, merged over the built-in schedules (workcal.BuiltIn) into the process-wide
// calendar (workcal.Default). A year present in the database (declared or with rows) replaces
// that year's built-in schedule entirely, so that an administrator can also correct a
// built-in year. The calendar is reloaded at start (Reload), in this process when a change
// commits, and in every other process through PostgreSQL NOTIFY on Channel (Listen).
//
// A deadline in a year no schedule covers is still computed, counting Monday to Friday as
// working days, but never silently: Event.calendarCovered is false, and from 1 November of
// year Y the server warns (log and /readyz) while Y+1 is not covered (Warning).
package calendar
