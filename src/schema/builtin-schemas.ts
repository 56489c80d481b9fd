import { featureSchemaSchema, type FeatureSchema, type FeatureSchemaInput } from './feature-schema.js';

/** The seed service's four sensors with the seed's ranges. */
const defaultSchema: FeatureSchemaInput = {
  name: 'default',
  description: 'Four sensors of a rotating machine, as in the FastAPI seed service.',
  features: [
    { name: 'temperature', unit: '°C', min: -50, max: 200, description: 'Temperature in Celsius' },
    { name: 'vibration', unit: 'mm/s', min: 0, max: 50, description: 'Vibration velocity (RMS) in mm/s' },
    { name: 'pressure', unit: 'bar', min: 0, max: 100, description: 'Pressure in bar' },
    { name: 'power', unit: 'kW', min: 0, max: 10000, description: 'Power in kW' },
  ],
};

/** The eight channels of the SKAB pump test rig, mapped from its CSV column names. */
const skabSchema: FeatureSchemaInput = {
  name: 'skab',
  description: 'Skoltech Anomaly Benchmark water-circulation rig (8 channels, ~1 Hz).',
  timestampAliases: ['datetime'],
  defaultMachineId: 'skab-rig',
  features: [
    {
      name: 'accelerometer1_rms',
      unit: 'g',
      min: 0,
      max: 10,
      description: 'Pump vibration, accelerometer 1 (RMS)',
      aliases: ['Accelerometer1RMS'],
    },
    {
      name: 'accelerometer2_rms',
      unit: 'g',
      min: 0,
      max: 10,
      description: 'Pump vibration, accelerometer 2 (RMS)',
      aliases: ['Accelerometer2RMS'],
    },
    { name: 'current', unit: 'A', min: 0, max: 100, description: 'Motor current', aliases: ['Current'] },
    {
      name: 'pressure',
      unit: 'bar',
      min: -10,
      max: 100,
      description: 'Loop pressure after the pump',
      aliases: ['Pressure'],
    },
    {
      name: 'temperature',
      unit: '°C',
      min: -50,
      max: 200,
      description: 'Motor body temperature',
      aliases: ['Temperature'],
    },
    {
      name: 'thermocouple',
      unit: '°C',
      min: -50,
      max: 200,
      description: 'Fluid temperature',
      aliases: ['Thermocouple'],
    },
    { name: 'voltage', unit: 'V', min: 0, max: 1000, description: 'Motor voltage', aliases: ['Voltage'] },
    {
      name: 'volume_flow_rate_rms',
      unit: 'L/min',
      min: 0,
      max: 10000,
      description: 'Circulation flow rate (RMS)',
      aliases: ['Volume Flow RateRMS'],
    },
  ],
};

export const builtinSchemas: ReadonlyMap<string, FeatureSchema> = new Map(
  [defaultSchema, skabSchema].map((s) => {
    const parsed = featureSchemaSchema.parse(s);
    return [parsed.name, parsed];
  }),
);
