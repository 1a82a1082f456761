// The types check.mjs holds every dashboards/*.json to: Grafana's published dashboard schema
// (@grafana/schema), as JSON can spell it, plus the published options of the panel plugins we use.

import type { Dashboard, FieldConfigSource, Panel } from '@grafana/schema';
import type * as stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type * as timeseries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';

/**
 * `T` as JSON can write it. The schema types its enumerations as TypeScript string enums
 * (`ThresholdsMode`, `FieldColorModeId`, `MappingType`, `BigValueColorMode`...), to which no string
 * literal is assignable: `"absolute"` is not a `ThresholdsMode`. Each string enum becomes the
 * union of its values; numeric enums already accept their number literals. Everything else
 * (required keys, value types, no unknown keys) is kept as published.
 */
export type Json<T> = T extends string
  ? string extends T
    ? string
    : `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Json<U>>
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

export type DashboardJson = Json<Dashboard>;

/**
 * A panel of plugin `type` with that plugin's published options and custom field config.
 * Options are `Partial` at the top level because Grafana fills in what a panel leaves out.
 */
type PluginPanel<Type extends string, Options, Custom = never> = Json<
  Omit<Panel, 'type' | 'options' | 'fieldConfig'> & {
    type: Type;
    options?: Partial<Options>;
    fieldConfig?: Omit<FieldConfigSource, 'defaults'> & {
      defaults: Omit<FieldConfigSource['defaults'], 'custom'> & { custom?: Partial<Custom> };
    };
  }
>;

/** Panel types whose options are checked too; other types get the dashboard-level check only. */
export interface PanelJson {
  stat: PluginPanel<'stat', stat.Options>;
  timeseries: PluginPanel<'timeseries', timeseries.Options, timeseries.FieldConfig>;
}
